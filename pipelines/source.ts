/**
 * @module Positions of values inside a parsed YAML document, so every load-time error names a
 * line and column.
 */
import { isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';

/** A path into the document: map keys and sequence indices, as zod reports issue paths. */
export type YamlPath = readonly PropertyKey[];

/** A 1-based position in the source text. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/**
 * Finds a path's position. `key` points at the last segment's key instead of its value;
 * `offset` moves into a string value (past its opening quote). A path that goes past what
 * the text contains resolves to the deepest node that exists.
 */
export type SourceLocator = (
  path: YamlPath,
  opts?: { readonly key?: boolean; readonly offset?: number },
) => SourcePosition | undefined;

/**
 * A locator over a document parsed with `lineCounter`.
 *
 * @example
 * const lc = new LineCounter();
 * const at = createLocator(parseDocument(text, { lineCounter: lc }), lc);
 * at(['steps', 0, 'model']); // { line: 4, col: 12 }
 */
export function createLocator(doc: Document, lineCounter: LineCounter): SourceLocator {
  return (path, opts = {}) => {
    const node = findNode(doc.contents, path, opts.key ?? false);
    const start = node?.range?.[0];
    if (start === undefined) return undefined;
    const quoted =
      isScalar(node) && (node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE);
    const offset = opts.offset ?? 0;
    return lineCounter.linePos(start + (offset > 0 && quoted ? 1 : 0) + offset);
  };
}

function findNode(root: unknown, path: YamlPath, wantKey: boolean): Node | undefined {
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
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function asNode(v: unknown): Node | undefined {
  return v !== null && typeof v === 'object' && 'range' in v ? (v as Node) : undefined;
}
