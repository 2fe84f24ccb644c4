/**
 * @module Load-time problems of a pipeline, each with file, line and column, the step and the
 * tensor it concerns, and what was expected versus found.
 */
import { EngineError } from '../engine/core/errors.js';
import type { ErrorCode } from '../engine/core/errors.js';
import type { SourceLocator, YamlPath } from './source.js';

/** One problem found while checking a pipeline file. */
export interface PipelineDiagnostic {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  /** 1-based; 0 when the position is unknown. */
  readonly line: number;
  readonly col: number;
  readonly step?: string;
  readonly tensor?: string;
  readonly message: string;
  /** UNAVAILABLE for missing or unready models, INVALID_ARG for everything else. */
  readonly code: ErrorCode;
}

/** Where a diagnostic points and what it concerns. */
export interface DiagnosticSite {
  readonly path: YamlPath;
  /** Point at the key of the last path segment instead of its value. */
  readonly key?: boolean;
  /** Offset inside a string value (expressions). */
  readonly offset?: number;
  readonly step?: string;
  readonly tensor?: string;
  readonly code?: ErrorCode;
}

/**
 * Formats a diagnostic as one line: `file:line:col: error: step 's', tensor 't': message`.
 *
 * @example
 * formatDiagnostic(d); // "p.yaml:7:12: error: step 'det', tensor 'x': expected FP32, found UINT8"
 */
export function formatDiagnostic(d: PipelineDiagnostic): string {
  const where = [
    d.step === undefined ? '' : `step '${d.step}'`,
    d.tensor === undefined ? '' : `tensor '${d.tensor}'`,
  ]
    .filter(s => s !== '')
    .join(', ');
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${where === '' ? '' : `${where}: `}${d.message}`;
}

/**
 * The error thrown when a pipeline has load-time errors. The message lists every error, one per
 * line; `diagnostics` keeps them structured (warnings included) for `braid validate`.
 */
export class PipelineLoadError extends EngineError {
  readonly diagnostics: readonly PipelineDiagnostic[];

  constructor(pipeline: string, diagnostics: readonly PipelineDiagnostic[]) {
    const errors = diagnostics.filter(d => d.severity === 'error');
    const code: ErrorCode = errors.some(d => d.code === 'UNAVAILABLE')
      ? 'UNAVAILABLE'
      : 'INVALID_ARG';
    const lines = errors.map(formatDiagnostic).join('\n  ');
    super(code, `pipeline '${pipeline}' has ${errors.length} error(s):\n  ${lines}`);
    this.diagnostics = diagnostics;
  }
}

/** Collects diagnostics against one source file. */
export class Diagnostics {
  readonly #items: PipelineDiagnostic[] = [];
  readonly file: string;
  readonly #locate: SourceLocator;

  constructor(file: string, locate: SourceLocator) {
    this.file = file;
    this.#locate = locate;
  }

  /** Records an error at `site`. */
  error(site: DiagnosticSite, message: string): void {
    this.#add('error', site, message);
  }

  /** Records an error at a known position (YAML syntax errors, where no path exists). */
  errorAt(line: number, col: number, message: string): void {
    this.#items.push({
      severity: 'error',
      file: this.file,
      line,
      col,
      message,
      code: 'INVALID_ARG',
    });
  }

  /** Records a warning at `site`. */
  warn(site: DiagnosticSite, message: string): void {
    this.#add('warning', site, message);
  }

  get items(): readonly PipelineDiagnostic[] {
    return this.#items;
  }

  get hasErrors(): boolean {
    return this.#items.some(d => d.severity === 'error');
  }

  /** Throws {@link PipelineLoadError} when any error was recorded. */
  throwIfErrors(pipeline: string): void {
    if (this.hasErrors) throw new PipelineLoadError(pipeline, this.sorted());
  }

  /** Diagnostics ordered by position, errors before warnings at the same place. */
  sorted(): PipelineDiagnostic[] {
    return [...this.#items].sort(
      (a, b) => a.line - b.line || a.col - b.col || (a.severity < b.severity ? -1 : 1),
    );
  }

  #add(severity: PipelineDiagnostic['severity'], site: DiagnosticSite, message: string): void {
    const pos = this.#locate(site.path, { key: site.key ?? false, offset: site.offset ?? 0 });
    this.#items.push({
      severity,
      file: this.file,
      line: pos?.line ?? 0,
      col: pos?.col ?? 0,
      ...(site.step === undefined ? {} : { step: site.step }),
      ...(site.tensor === undefined ? {} : { tensor: site.tensor }),
      message,
      code: site.code ?? 'INVALID_ARG',
    });
  }
}
