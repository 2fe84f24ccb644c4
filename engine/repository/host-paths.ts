/**
 * @module Rewrites the repository root, in every spelling, out of messages so that paths read
 * relative to it.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The spellings of a repository root that messages may carry: as configured, absolute, with its
 * symbolic links resolved (Node's module loader reports real paths), and each as a `file:` URL.
 * Reads the file system once (`realpath`); a root that cannot be resolved is left out.
 *
 * @example
 * const roots = await repositoryRootForms('models');
 * // ['models', '/srv/app/models', 'file:///srv/app/models', ...]
 */
export async function repositoryRootForms(root: string): Promise<string[]> {
  const absolute = path.resolve(root);
  const real = await realpath(root).catch(() => undefined);
  const forms = [root, absolute, ...(real === undefined ? [] : [real])];
  const urls = forms.filter(f => path.isAbsolute(f)).map(f => pathToFileURL(f).href);
  return [...new Set([...forms, ...urls])].filter(f => f !== '' && f !== '.' && f !== path.sep);
}

/**
 * Rewrites every spelling of the repository root in `message` so that paths read relative to
 * the repository (`/srv/models/simple/1/model.onnx` → `simple/1/model.onnx`; the root alone →
 * `.`). Messages sent to clients go through it, so they never tell where the repository lives on
 * the host (issue #10). A spelling counts only where a path can start (after a space, quote,
 * bracket or the like), so `ocr-models/` is left alone when the root is `models`. Pure.
 *
 * @example
 * withoutRepositoryRoot("cannot load '/srv/models/simple/1/model.onnx'", ['/srv/models']);
 * // "cannot load 'simple/1/model.onnx'"
 */
export function withoutRepositoryRoot(message: string, roots: readonly string[]): string {
  let out = message;
  // Longest first: a file: URL or a real path may contain a shorter spelling.
  for (const root of [...roots].sort((a, b) => b.length - a.length)) {
    const at = `(?<![\\w.~@/\\\\-])${escapeRegExp(root.replace(/[/\\]+$/, ''))}`;
    out = out
      .replace(new RegExp(`${at}[/\\\\]`, 'g'), '')
      .replace(new RegExp(`${at}(?![\\w.~@-])`, 'g'), '.');
  }
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
