/**
 * @module The rule for files a config, a load override or a pipeline names: they stay inside their
 * model's directory.
 */
import { EngineError } from './errors.js';

/**
 * The rule every file a config, a load override or a pipeline names must follow, as messages
 * state it. Checked on the text alone, before anything is read, so a name can neither reach nor
 * probe a file outside its model. Symbolic links the repository itself holds are followed as
 * usual: they were put there by whoever owns the repository.
 */
export const MODEL_PATH_RULE =
  "must name a file inside the model directory (a relative path, no absolute path, no '..' that leaves the directory)";

/** Where a name leads inside the model directory, or why it may not be used. */
export type ModelPathCheck =
  | {
      readonly ok: true;
      /** Relative to the model directory, `/`-separated, no `.`/`..`. */ readonly path: string;
    }
  | {
      readonly ok: false;
      /** The name, what is wrong with it, and the rule. */ readonly problem: string;
    };

/**
 * Resolves `name` against `from` (the directory it is relative to, as a path inside the model
 * directory: `'1'` for version 1, `''` for the model directory itself) on the text alone. Both
 * `/` and `\` separate segments, so a name means the same on every platform. Absolute names and
 * names whose `..` segments climb out of the model directory are refused. Pure.
 *
 * @example
 * checkModelPath('sub/../model.onnx', '1'); // { ok: true, path: '1/model.onnx' }
 * checkModelPath('../../x.js', '1');
 * // { ok: false, problem: "'../../x.js' leaves the model directory: it must name a file inside ..." }
 */
export function checkModelPath(name: string, from = ''): ModelPathCheck {
  const resolved = resolveSegments(name, from);
  if (typeof resolved === 'string')
    return { ok: false, problem: `'${name}' ${resolved}: it ${MODEL_PATH_RULE}` };
  return { ok: true, path: resolved.join('/') };
}

/** Options of {@link modelRelativePath}. */
export interface ModelPathOptions {
  /** Who names the file, for the message: `model 'echo'`. */
  readonly owner: string;
  /** The field that holds the name, for the message: `default_model_filename`. */
  readonly field: string;
  /** The directory the name is relative to, inside the model directory (see {@link checkModelPath}). */
  readonly from?: string;
}

/**
 * {@link checkModelPath}, throwing INVALID_ARG naming the owner, the field, the name and
 * {@link MODEL_PATH_RULE} when the name may not be used; returns the path relative to the model
 * directory.
 *
 * @example
 * modelRelativePath('../shared.onnx', { owner: "model 'm'", field: 'default_model_filename', from: '1' });
 * // 'shared.onnx'
 */
export function modelRelativePath(name: string, opts: ModelPathOptions): string {
  const check = checkModelPath(name, opts.from);
  if (!check.ok)
    throw new EngineError('INVALID_ARG', `${opts.owner}: ${opts.field} ${check.problem}`);
  return check.path;
}

/** The segments of `from/name` inside the model directory, or why there are none. */
function resolveSegments(name: string, from: string): string[] | string {
  if (name.includes('\0')) return 'contains a NUL character';
  // `/x`, `\x`, `\\server\share`, `C:\x` and `C:x` all name something outside any directory.
  if (/^[/\\]/.test(name) || /^[A-Za-z]:/.test(name)) return 'is an absolute path';
  const stack: string[] = [];
  for (const seg of [...from.split(/[/\\]/), ...name.split(/[/\\]/)]) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..') stack.push(seg);
    else if (stack.pop() === undefined) return 'leaves the model directory';
  }
  return stack;
}
