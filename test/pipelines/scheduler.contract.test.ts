import { PipelineRunner } from '../../pipelines/executor/pipeline-runner.js';
import { PipelineScheduler } from '../../pipelines/scheduler.js';
import { Gate, runSchedulerContract } from '../engine/core/scheduler.contract.js';
import { compile } from './compile-helpers.js';
import { CountingStats } from './executor/harness.js';
import { elementwise, FakeCatalog, fp32 } from './fake-catalog.js';

const TEXT = `inputs: { X: { datatype: FP32, shape: [B, 2] } }
outputs: { Y: { datatype: FP32, shape: [B, 2] } }
steps:
  - { name: a, model: double, inputs: { x: X }, outputs: { y: T } }
  - { name: b, model: inc, inputs: { x: T }, outputs: { y: Y } }
`;

runSchedulerContract({
  newScheduler: async () => {
    const gate = new Gate();
    const double = elementwise('double', v => v * 2);
    // The first step waits at the gate: that is the pipeline's execution in flight.
    const gated = {
      ...double,
      run: async (
        inputs: Parameters<typeof double.run>[0],
        req: Parameters<typeof double.run>[1],
      ) => (await gate.pass(), double.run(inputs, req)),
    };
    const catalog = new FakeCatalog([gated, elementwise('inc', v => v + 1)]);
    const { plan } = await compile(TEXT, catalog);
    const stats = new CountingStats();
    const scheduler = new PipelineScheduler({
      runner: new PipelineRunner({ plan, catalog }),
      pools: [],
      stats,
      version: 3,
    });
    return {
      scheduler,
      gate,
      model: { name: 'p', version: '3' },
      request: extra => ({
        inputs: new Map([['X', fp32([1, 2], [1, 2])]]),
        batchSize: 1,
        ...extra,
      }),
      expected: new Map([['Y', fp32([1, 2], [3, 5])]]),
      recorded: () => ({ executions: stats.executions, inferences: stats.inferences }),
    };
  },
});
