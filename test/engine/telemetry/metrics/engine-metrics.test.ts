import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../../backends/onnxruntime/index.js';
import { InMemoryLogger } from '../../../../engine/core/logger.js';
import { createEngine } from '../../../../engine/runtime/engine.js';
import { createMetrics } from '../../../../engine/telemetry/metrics/metrics.js';
import { EXAMPLES, simpleInputs, tempRepository } from '../../../support/repo.js';
import { parsePromText } from '../prom-text.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('engine metrics', () => {
  it('registers each loaded version, agrees with its statistics, and drops it on unload with a timed log line', async () => {
    const repo = await tempRepository({ simple: path.join(EXAMPLES, 'simple') });
    cleanups.push(repo.dispose);
    const metrics = createMetrics({ processMetrics: false, cpu: false, gpu: false });
    const logger = new InMemoryLogger();
    const engine = await createEngine({
      modelRepository: repo.dir,
      backends: [createOnnxRuntimeBackend()],
      controlMode: 'explicit',
      loadModels: ['simple'],
      metrics,
      logger,
    });
    cleanups.push(() => engine.shutdown(5000));
    await Promise.all(
      [1, 2, 3].map(n =>
        engine.infer({ modelName: 'simple', modelVersion: 1, inputs: simpleInputs(n) }),
      ),
    );
    await expect(
      engine.infer({ modelName: 'simple', modelVersion: 1, inputs: new Map() }),
    ).rejects.toThrow();

    let m = parsePromText(await metrics.render());
    const [s] = engine.statistics('simple', 1);
    const l = { model: 'simple', version: '1' };
    expect(m.value('nv_inference_request_success', l)).toBe(s!.inference_stats.success.count);
    expect(m.value('nv_inference_request_failure', { ...l, reason: 'OTHER' })).toBe(1);
    expect(m.value('nv_inference_count', l)).toBe(6);
    expect(m.value('nv_inference_exec_count', l)).toBe(s!.execution_count);
    expect(m.value('braid_inference_batch_size_count', l)).toBe(s!.execution_count);
    expect(m.value('nv_model_load_duration_secs', l)).toBeGreaterThan(0);
    expect(
      m
        .find('nv_inference_count')
        .map(x => x.labels.version)
        .sort(),
    ).toEqual(['1', '2']);

    await engine.unload('simple');
    m = parsePromText(await metrics.render());
    expect(m.find('nv_inference_count')).toEqual([]);
    const unloaded = logger.lines.filter(x => x.msg === 'model version unloaded');
    expect(unloaded.map(x => x.fields.version).sort()).toEqual([1, 2]);
    expect(
      unloaded.every(x => typeof x.fields.duration_ms === 'number' && x.fields.model === 'simple'),
    ).toBe(true);
  });
});
