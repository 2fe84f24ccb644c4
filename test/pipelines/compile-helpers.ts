import { compilePipeline } from '../../pipelines/compile.js';
import type { CompiledPipeline } from '../../pipelines/compile.js';
import { PipelineLoadError } from '../../pipelines/diagnostics.js';
import type { PipelineDiagnostic } from '../../pipelines/diagnostics.js';
import type { FakeCatalog } from './fake-catalog.js';

/** Compiles a pipeline text as `p.yaml` of pipeline `p`. */
export function compile(text: string, catalog: FakeCatalog): Promise<CompiledPipeline> {
  return compilePipeline(text, { name: 'p', file: 'p.yaml', baseDir: '.', catalog });
}

/** The diagnostics a text fails with; throws if it compiles. */
export async function failures(
  text: string,
  catalog: FakeCatalog,
): Promise<{ code: string; items: readonly PipelineDiagnostic[]; message: string }> {
  try {
    await compile(text, catalog);
  } catch (e) {
    if (e instanceof PipelineLoadError)
      return {
        code: e.code,
        items: e.diagnostics.filter(d => d.severity === 'error'),
        message: e.message,
      };
    throw e;
  }
  throw new Error('expected the pipeline to fail to compile');
}

/** `line:col step/tensor: message` of each error, for compact assertions. */
export function where(d: PipelineDiagnostic): string {
  return `${d.line}:${d.col}`;
}
