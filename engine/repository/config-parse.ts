/**
 * @module Validates a raw model config against the schema and fills its defaults, listing every
 * problem at file:line:col.
 */
import type { z } from 'zod';
import { EngineError } from '../core/errors.js';
import { ModelConfigSchema } from '../core/model-config.js';
import type { ModelConfig } from '../core/model-config.js';
import { createConfigLocator } from './config-locator.js';
import { ensembleProblems } from './ensemble-config.js';
import { checkServedFields } from './pbtxt/supported.js';
import type { SourceLocator } from './source-position.js';

/** Options of {@link parseModelConfig}. */
export interface ParseConfigOptions {
  /** The model's directory name; the config's `name` must be empty or equal to it. */
  readonly modelName: string;
  /** The file the config came from, used as the prefix of every error line. */
  readonly file?: string;
  /** The file's text (YAML, JSON or, for a `.pbtxt` file, protobuf text); when given, every
   *  error line carries `line:col`. */
  readonly source?: string;
  /**
   * Receives one line per field that Braid accepts but that has no effect (Triton's hardware
   * tuning, e.g. pinned memory), as `file:line:col: field 'x.y' has no effect in Braid: why`.
   * Default: dropped.
   */
  readonly warn?: (line: string) => void;
}

type Issue = z.core.$ZodIssue;

/** One reportable problem: a path into the config, and where the text should point. */
interface Problem {
  readonly path: readonly PropertyKey[];
  /** Path whose key (rather than value) the position should point at. */
  readonly keyPath?: readonly PropertyKey[];
  readonly message: string;
  /** The message names its field itself: print no `path:` before it. */
  readonly bare?: boolean;
}

/**
 * Validates a raw config against the model-config schema and fills every default. Errors throw
 * INVALID_ARG listing every issue as `file:line:col: path: message` (just `path: message` when
 * neither file nor source is known). Fields of Triton's model_config.proto that Braid does not
 * serve are refused first, each as `file:line:col: field 'x.y' is not supported: why`. A `name`
 * other than the directory name is an error; an empty one becomes the directory name. An
 * ensemble's own config is checked as Triton checks it (see ensembleProblems).
 *
 * @example
 * const config = parseModelConfig({ max_batch_size: 8 }, { modelName: 'simple' });
 * config.name; // 'simple'
 * config.instance_group; // [] (filled by completeModelConfig)
 */
export function parseModelConfig(raw: unknown, opts: ParseConfigOptions): ModelConfig {
  const locate =
    opts.source === undefined ? undefined : createConfigLocator(opts.source, opts.file);
  const { refused: refusals, ignored, served } = checkServedFields(raw ?? {});
  const refused = refusals.map(r => ({
    path: r.path,
    keyPath: r.path,
    message: `field '${r.field}' is not supported: ${r.reason}`,
    bare: true,
  }));
  if (refused.length > 0) throw invalid(opts, refused, locate);
  if (opts.warn) {
    const noEffect = ignored.map(r => ({
      path: r.path,
      keyPath: r.path,
      message: `field '${r.field}' has no effect in Braid: ${r.reason}`,
      bare: true,
    }));
    for (const p of sortByPosition(noEffect, locate))
      opts.warn(formatProblem(p, opts.file, locate));
  }
  const result = ModelConfigSchema.safeParse(served);
  if (!result.success) throw invalid(opts, result.error.issues.flatMap(problemsOf), locate);
  const config = result.data;
  if (config.name !== '' && config.name !== opts.modelName) {
    const where = location(opts.file, locate, ['name'], false);
    throw new EngineError(
      'INVALID_ARG',
      `model '${opts.modelName}': config name '${config.name}' does not match the directory ` +
        `name '${opts.modelName}'` +
        (where === '' ? '' : ` (${where})`),
    );
  }
  const named = { ...config, name: opts.modelName };
  const ensemble = ensembleProblems(named, served).map(p => ({
    path: p.path,
    ...(p.key ? { keyPath: p.path } : {}),
    message: p.message,
    bare: true,
  }));
  if (ensemble.length > 0) throw invalid(opts, ensemble, locate);
  return named;
}

function invalid(
  opts: ParseConfigOptions,
  problems: Problem[],
  locate: SourceLocator | undefined,
): EngineError {
  const lines = sortByPosition(problems, locate).map(p => formatProblem(p, opts.file, locate));
  return new EngineError(
    'INVALID_ARG',
    `model '${opts.modelName}': config is not valid:\n  ${lines.join('\n  ')}`,
  );
}

function problemsOf(issue: Issue): Problem[] {
  const path = issue.path;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map(k => ({ path, keyPath: [...path, k], message: `unknown key '${k}'` }));
    case 'invalid_key': {
      const detail = issue.issues.map(i => i.message).join('; ');
      return [{ path, keyPath: path, message: `${issue.message}: ${detail}` }];
    }
    case 'invalid_union':
      return [{ path, message: unionMessage(issue) }];
    default:
      return [{ path, message: issue.message }];
  }
}

/**
 * A union of single-key objects (version_policy) fails in every branch; naming the keys the
 * branches wanted reads better than zod's bare "Invalid input".
 */
function unionMessage(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  const wanted = issue.errors.map(branch => {
    const missing = branch.find(i => i.code === 'invalid_type' && i.path.length === 1);
    return missing ? String(missing.path[0]) : undefined;
  });
  if (wanted.length === 0 || wanted.some(w => w === undefined)) return issue.message;
  return `${issue.message}: expected exactly one of ${wanted.join(' | ')}`;
}

/** Problems in the order they appear in the file, which is how a reader fixes them. */
function sortByPosition(problems: Problem[], locate: SourceLocator | undefined): Problem[] {
  if (!locate) return problems;
  const rank = (p: Problem): number => {
    const pos = locate(p.keyPath ?? p.path, { key: p.keyPath !== undefined });
    return pos ? pos.line * 1e6 + pos.col : Number.MAX_SAFE_INTEGER;
  };
  return problems
    .map(p => ({ p, r: rank(p) }))
    .sort((a, b) => a.r - b.r)
    .map(x => x.p);
}

function formatProblem(
  p: Problem,
  file: string | undefined,
  locate: SourceLocator | undefined,
): string {
  const where = location(file, locate, p.keyPath ?? p.path, p.keyPath !== undefined);
  return [where, p.bare ? '' : formatPath(p.path), p.message].filter(s => s !== '').join(': ');
}

/** `file:line:col`, `file`, `line:col` or '' depending on what is known. */
function location(
  file: string | undefined,
  locate: SourceLocator | undefined,
  path: readonly PropertyKey[],
  key: boolean,
): string {
  const pos = locate?.(path, { key });
  return [file ?? '', pos ? `${pos.line}:${pos.col}` : ''].filter(s => s !== '').join(':');
}

/**
 * Formats a zod path the way config errors show it: `input[0].dims`.
 *
 * @example
 * formatPath(['input', 0, 'dims']); // 'input[0].dims'
 */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}
