/**
 * @module config.pbtxt → config.yaml: the parsed message written as YAML with Triton's field
 * names (what Braid's config.yaml uses), repeated fields as sequences, map fields as mappings,
 * and the comments of the .pbtxt kept beside the fields they were written beside.
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Node } from 'yaml';
import type { TextComment } from './lexer.js';
import type { PbField, PbMessage, PbValue } from './tree.js';
import { parsePbtxt } from './parse.js';
import { modelConfigType } from './schema.js';

/**
 * Converts the text of a config.pbtxt into the text of the same config in YAML. Throws
 * PbtxtSyntaxError when the text is not a valid `inference.ModelConfig`.
 *
 * @example
 * pbtxtToYaml('name: "simple"  # Triton\'s example\nmax_batch_size: 8\n');
 * // "name: simple # Triton's example\nmax_batch_size: 8\n"
 */
export function pbtxtToYaml(text: string): string {
  const message = parsePbtxt(text, modelConfigType());
  const doc = new Document();
  const map = messageMap(message);
  doc.contents = map;
  const first = map.items[0];
  if (first && isKeyed(first)) {
    // Comments above the first field head the document, as they do in the .pbtxt.
    doc.commentBefore = (first.key as Scalar).commentBefore ?? null;
    (first.key as Scalar).commentBefore = null;
  }
  doc.comment = joined(message.endComments) ?? null;
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function isKeyed(p: Pair): boolean {
  return p.key instanceof Scalar;
}

/** A message as a mapping; a field repeated in the text becomes one sequence at its first place. */
function messageMap(message: PbMessage): YAMLMap {
  const map = new YAMLMap();
  const groups = new Map<string, PbField[]>();
  for (const f of message.fields) {
    const list = groups.get(f.field.name);
    if (list) list.push(f);
    else groups.set(f.field.name, [f]);
  }
  for (const [name, fields] of groups) {
    const key = new Scalar(name);
    key.commentBefore = joined(fields[0]!.comments) ?? null;
    map.items.push(new Pair(key, fieldNode(fields)));
  }
  if (map.items.length === 0) map.flow = true;
  const end = joined(message.endComments);
  if (end !== undefined && map.items.length > 0) map.comment = end;
  return map;
}

function fieldNode(fields: readonly PbField[]): Node {
  const first = fields[0]!;
  if (first.field.map) {
    const map = new YAMLMap();
    for (const f of fields) {
      if (f.value.kind !== 'entry') continue;
      const key = new Scalar(String(f.value.key));
      key.commentBefore = joined(f.comments) ?? null;
      map.items.push(new Pair(key, withTrailing(valueNode(f.value.value), f.trailing)));
    }
    return map;
  }
  if (!first.field.repeated) return withTrailing(valueNode(first.value), first.trailing);
  const seq = new YAMLSeq();
  seq.flow = fields.every(f => f.value.kind === 'scalar');
  fields.forEach((f, i) => {
    const node = withTrailing(valueNode(f.value), f.trailing);
    if (i > 0 && !seq.flow) node.commentBefore = joined(f.comments) ?? null;
    seq.items.push(node);
  });
  return seq;
}

function valueNode(v: PbValue): Node {
  if (v.kind === 'scalar') return new Scalar(v.value);
  if (v.kind === 'message') return messageMap(v.message);
  return valueNode(v.value);
}

function withTrailing(node: Node, trailing: TextComment | undefined): Node {
  if (trailing) node.comment = trailing.text;
  return node;
}

/** Comment texts as the yaml library takes them: lines without their `#`. */
function joined(comments: readonly TextComment[]): string | undefined {
  return comments.length === 0 ? undefined : comments.map(c => c.text).join('\n');
}
