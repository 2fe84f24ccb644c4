// issue #15 section 3: the engine answers a repeated request from the response cache without
// executing it, counts it as Triton does, and never caches decoupled models.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../backends/js/index.js';
import { standardBackends } from '../../../engine/cli/backends.js';
import { InMemoryLogger, noopLogger } from '../../../engine/core/logger.js';
import type { InferRequest } from '../../../engine/core/request.js';
import { NOOP_SPAN, type TraceSpan } from '../../../engine/core/telemetry.js';
import { createEngine, type Engine } from '../../../engine/runtime/engine.js';
import { ResponseCache } from '../../../engine/runtime/response-cache.js';
import { EXAMPLES, ROOT, simpleInputs, tempRepository } from '../../support/repo.js';

const JS = fileURLToPath(new URL('../../fixtures/js-models/', import.meta.url));
const CACHED = 'backend: js\nresponse_cache:\n  enable: true\n';
let repo: Awaited<ReturnType<typeof tempRepository>>;
let engine: Engine;

beforeAll(async () => {
  repo = await tempRepository({
    cached: path.join(JS, 'scale'),
    plain: path.join(JS, 'scale'),
    streamer: path.join(JS, 'streamer'),
  });
  await writeFile(path.join(repo.dir, 'cached', 'config.yaml'), CACHED);
  await writeFile(
    path.join(repo.dir, 'streamer', 'config.yaml'),
    'backend: js\nmodel_transaction_policy:\n  decoupled: true\n' +
      CACHED.slice('backend: js\n'.length),
  );
  engine = await createEngine({
    modelRepository: repo.dir,
    backends: [createJsBackend()],
    responseCache: new ResponseCache({ sizeBytes: 1 << 20 }),
  });
}, 60_000);

afterAll(async () => {
  await engine?.shutdown();
  await repo?.dispose();
});

const req = (model: string, values: number[], extra: Partial<InferRequest> = {}): InferRequest => ({
  modelName: model,
  inputs: new Map([
    ['x', { datatype: 'FP32', shape: [1, values.length], data: new Float32Array(values) }],
  ]),
  ...extra,
});
const stats = (model: string) => engine.statistics(model)[0]!;
const y = (r: { outputs: Map<string, { data: unknown }> }) => [
  ...(r.outputs.get('y')!.data as Float32Array),
];

describe('response cache in the engine', () => {
  it('answers a repeated request without executing, counting cache_hit as Triton does', async () => {
    const first = await engine.infer(req('cached', [1, 2], { id: 'a' }));
    const second = await engine.infer(req('cached', [1, 2], { id: 'b' }));
    expect(y(second)).toEqual(y(first));
    expect(second.id).toBe('b');
    const s = stats('cached');
    expect(s.execution_count).toBe(1);
    expect(s.inference_count).toBe(1);
    expect(s.inference_stats.success.count).toBe(2);
    expect(s.inference_stats.cache_miss.count).toBe(1);
    expect(s.inference_stats.cache_hit.count).toBe(1);
    expect(s.last_inference).toBeGreaterThan(0);
  });

  it('executes again for other inputs, other parameters and more outputs, but not for another priority', async () => {
    const before = stats('cached').execution_count;
    await engine.infer(req('cached', [5]));
    await engine.infer(req('cached', [5], { parameters: { priority: 1 } })); // hit
    await engine.infer(req('cached', [6])); // other input
    await engine.infer(req('cached', [5], { parameters: { seed: 1 } })); // other parameter
    const fewer = await engine.infer(req('cached', [7], { outputs: [{ name: 'y' }] }));
    const all = await engine.infer(req('cached', [7])); // asks for more outputs than were kept
    expect([...fewer.outputs.keys()]).toEqual(['y']);
    expect([...all.outputs.keys()].sort()).toEqual(['instance', 'y']);
    expect(stats('cached').execution_count - before).toBe(5);
  });

  it('is not used by a model whose config does not enable it, unless the call asks (a pipeline step)', async () => {
    await engine.infer(req('plain', [3]));
    await engine.infer(req('plain', [3]));
    expect(stats('plain')).toMatchObject({
      execution_count: 2,
      inference_stats: { cache_hit: { count: 0 }, cache_miss: { count: 0 } },
    });
    await engine.catalog().infer(req('plain', [4]), { cache: true });
    await engine.catalog().infer(req('plain', [4]), { cache: true });
    expect(stats('plain')).toMatchObject({
      execution_count: 3,
      inference_stats: { cache_hit: { count: 1 }, cache_miss: { count: 1 } },
    });
  });

  it("shows a hit on the request's model span: event CACHE_HIT, attribute braid.cache", async () => {
    const spans = [recorder(), recorder()];
    await engine.infer(req('cached', [42]), { trace: spans[0]!.root });
    await engine.infer(req('cached', [42]), { trace: spans[1]!.root });
    expect(spans[0]!.events).not.toContain('CACHE_HIT');
    expect(spans[0]!.attributes).toMatchObject({ 'braid.cache': 'miss' });
    expect(spans[1]!.events).toContain('CACHE_HIT');
    expect(spans[1]!.attributes).toMatchObject({ 'braid.cache': 'hit' });
  });

  it('refuses to load a decoupled model that enables it, as Triton does', async () => {
    const index = await engine.repositoryIndex(false);
    expect(index.find(e => e.name === 'streamer')).toMatchObject({
      state: 'UNAVAILABLE',
      reason: expect.stringMatching(
        /response cache does not currently support models with the 'decoupled' transaction policy/,
      ) as string,
    });
  });
});

describe('a model enabling the cache on a server without one', () => {
  it('loads, runs uncached, and logs a warning naming --cache-config', async () => {
    const r = await tempRepository({ cached: path.join(JS, 'scale') });
    await writeFile(path.join(r.dir, 'cached', 'config.yaml'), CACHED);
    const logger = new InMemoryLogger();
    const e = await createEngine({ modelRepository: r.dir, backends: [createJsBackend()], logger });
    try {
      await e.infer(req('cached', [1]));
      await e.infer(req('cached', [1]));
      expect(e.statistics('cached')[0]).toMatchObject({
        execution_count: 2,
        inference_stats: { cache_hit: { count: 0 } },
      });
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: expect.stringContaining('server has no response cache') as string,
        }),
      );
      expect(JSON.stringify(logger.lines)).toContain('--cache-config local,size=BYTES');
    } finally {
      await e.shutdown();
      await r.dispose();
    }
  }, 30_000);
});

/** A recording span whose children record their events and attributes into one list. */
function recorder(): { root: TraceSpan; events: string[]; attributes: Record<string, unknown> } {
  const events: string[] = [];
  const attributes: Record<string, unknown> = {};
  const span: TraceSpan = {
    ...NOOP_SPAN,
    recording: true,
    child: () => span,
    event: name => void events.push(name),
    setAttributes: a => void Object.assign(attributes, a),
  };
  return { root: span, events, attributes };
}

describe('a pipeline step with cache: true', () => {
  it("is served from the step model's cache: a repeated pipeline request runs the other steps but not that one", async () => {
    const r = await tempRepository({
      simple: path.join(EXAMPLES, 'simple'),
      scale: path.join(JS, 'scale'),
      chain: path.join(ROOT, 'test', 'fixtures', 'pipeline-repo', 'chain'),
    });
    const file = path.join(r.dir, 'chain', '1', 'pipeline.yaml');
    await writeFile(
      file,
      (await readFile(file, 'utf8')).replace(
        '    model: scale\n',
        '    model: scale\n    cache: true\n',
      ),
    );
    const e = await createEngine({
      modelRepository: r.dir,
      backends: catalog => standardBackends(catalog, { logger: noopLogger }),
      responseCache: new ResponseCache({ sizeBytes: 1 << 20 }),
    });
    try {
      const inputs = () => {
        const m = simpleInputs(1, 2);
        return new Map([
          ['A', m.get('INPUT0')!],
          ['C', m.get('INPUT1')!],
        ]);
      };
      const first = await e.infer({ modelName: 'chain', inputs: inputs() });
      const second = await e.infer({ modelName: 'chain', inputs: inputs() });
      expect([...(second.outputs.get('Y')!.data as Float32Array)]).toEqual([
        ...(first.outputs.get('Y')!.data as Float32Array),
      ]);
      expect(e.statistics('scale')[0]).toMatchObject({
        execution_count: 1,
        inference_stats: { cache_hit: { count: 1 }, cache_miss: { count: 1 } },
      });
      expect(e.statistics('simple', 1)[0]).toMatchObject({
        execution_count: 2,
        inference_stats: { cache_hit: { count: 0 } },
      });
    } finally {
      await e.shutdown();
      await r.dispose();
    }
  }, 30_000);
});
