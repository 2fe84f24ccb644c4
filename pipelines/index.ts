/**
 * @module Pipelines: YAML-declared ensembles, checked at load, compiled to an ExecutionPlan and
 * served as models. The composition root needs only {@link createPipelineBackend}; `braid
 * validate` uses the compiler, {@link explainPlan} and {@link planMachineConfig}.
 */
export { createPipelineBackend, pipelineDependencies, PIPELINE_FILENAME } from './backend.js';
export type { PipelineBackend, PipelineBackendOptions } from './backend.js';
export { compilePipeline } from './compile.js';
export type { CompileOptions, CompiledPipeline } from './compile.js';
export { formatDiagnostic, PipelineLoadError } from './diagnostics.js';
export type { PipelineDiagnostic } from './diagnostics.js';
export { DEBUG_OUTPUT_PREFIX, DEBUG_PARAMETER } from './executor/request-checks.js';
export { PipelineRunner } from './executor/pipeline-runner.js';
export type { PipelineRequest, PipelineRunnerOptions } from './executor/pipeline-runner.js';
export type { PipelineResult, StepTiming } from './executor/request-result.js';
export { STEP_OUTCOMES } from './executor/step-stats.js';
export type {
  PipelineObserver,
  PipelineRequestEvent,
  StepEvent,
  StepOutcome,
  StepStatistics,
} from './executor/step-stats.js';
export { explainPlan } from './explain.js';
export { createPlanMachine } from './executor/machine-guards.js';
export { planMachineConfig } from './executor/plan.machine.js';
export type { PlanMachineConfig } from './executor/plan.machine.js';
export { createPipelineScheduler, PipelineScheduler } from './scheduler.js';
export type { PipelineSchedulerOptions, PipelineSchedulerStats } from './scheduler.js';
export { PipelineFileSchema } from './schema.js';
export type { PipelineFile } from './schema.js';
export { parsePipelineText } from './parse.js';
export { createLocator } from './source.js';
export type { SourceLocator, SourcePosition } from './source.js';
export { PipelineTestFileSchema } from './test-file-schema.js';
export type {
  PipelineTestFile,
  TestCaseDecl,
  TestTensorDecl,
  StubDecl,
  OutputExpectDecl,
  CaseExpectDecl,
  StepStatusDecl,
} from './test-file-schema.js';
export { createStaticCatalog } from './static-catalog.js';
export type { StaticCatalogOptions } from './static-catalog.js';
