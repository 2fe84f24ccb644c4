/**
 * @module Finds where a value lives in a YAML or JSON text, for errors at line and column.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node, Pair } from 'yaml';

/** A 1-based position in a source text. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/**
 * Finds where a value lives in a YAML (or JSON) text. `path` is a zod issue path; when `key` is
 * set the position of the last segment's key is returned instead of its value. A path that goes
 * past what the text contains (a missing key) resolves to the deepest node that exists.
 */
export type SourceLocator = (
  path: readonly PropertyKey[],
  opts?: { readonly key?: boolean },
) => SourcePosition | undefined;

/**
 * Parses `source` once and returns a locator for paths inside it.
 *
 * @example
 * const at = createSourceLocator('input:\n  - name: x\n    dims: [a]\n');
 * at(['input', 0, 'dims']); // { line: 3, col: 11 }
 */
export function createSourceLocator(source: string): SourceLocator {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  return (path, opts = {}) => {
    const node = findNode(doc.contents, path, opts.key ?? false);
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset);
  };
}

function findNode(root: unknown, path: readonly PropertyKey[], wantKey: boolean): Node | undefined {
  let node = asNode(root);
  for (const [i, segment] of path.entries()) {
    if (!node) return undefined;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find(p => keyText(p) === String(segment));
      if (!pair) return node;
      const value = asNode(pair.value);
      if ((last && wantKey) || !value) return asNode(pair.key) ?? node;
      node = value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = asNode(node.items[segment]);
      if (!item) return node;
      node = item;
    } else {
      return node;
    }
  }
  return node;
}

function keyText(pair: Pair): string {
  const key = pair.key;
  return isScalar(key) ? String(key.value) : String(key);
}

function asNode(v: unknown): Node | undefined {
  return v !== null && typeof v === 'object' && 'range' in v ? (v as Node) : undefined;
}
