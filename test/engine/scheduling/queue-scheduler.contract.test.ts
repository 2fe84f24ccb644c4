import { describe } from 'vitest';
import type { ExecuteOptions, ModelInstance } from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { createScheduler } from '../../../engine/scheduling/create-scheduler.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';
import { Gate, runSchedulerContract } from '../core/scheduler.contract.js';
import { config, echoOutputs, request } from './fake-instance.js';

/** An instance answering OUT = IN once its gate lets the execution through. */
class GatedInstance implements ModelInstance {
  constructor(private readonly gate: Gate) {}
  async execute(inputs: TensorMap, _opts: ExecuteOptions): Promise<TensorMap> {
    await this.gate.pass();
    return echoOutputs(inputs);
  }
  dispose(): Promise<void> {
    return Promise.resolve();
  }
}

for (const batching of [false, true]) {
  describe(batching ? 'the dynamic batcher' : 'the default scheduler', () => {
    runSchedulerContract({
      newScheduler: async () => {
        const gate = new Gate();
        const stats = new StatsRecorder('m', '1');
        const cfg = config(batching ? { dynamic_batching: {} } : {});
        const scheduler = createScheduler({
          modelName: 'm',
          version: '1',
          config: cfg,
          instances: [new GatedInstance(gate)],
          clock: new SimulatedClock(),
          stats,
        });
        const expected = echoOutputs(request(1, 7).inputs);
        return {
          scheduler,
          gate,
          model: { name: 'm', version: '1' },
          request: extra => request(1, 7, { outputs: ['OUT'], ...extra }),
          expected,
          recorded: () => {
            const { execution_count, inference_count } = stats.snapshot();
            return { executions: execution_count, inferences: inference_count };
          },
        };
      },
    });
  });
}
