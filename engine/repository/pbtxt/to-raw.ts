/**
 * @module Turns a parsed text-format message into the plain object a config.yaml with the same
 * content parses to: only the fields written, repeated fields as arrays, map fields as objects
 * keyed by their keys, enums by name. Every path into that object keeps the position it came
 * from, so validation errors point into the .pbtxt file.
 */
import { PbtxtSyntaxError } from './lexer.js';
import type { TextPosition } from './lexer.js';
import type { PbField, PbMessage, PbValue } from './tree.js';

/** Where a path of the plain object was written: its key (field name or map key) and its value. */
export interface PathPosition {
  readonly key: TextPosition;
  readonly value: TextPosition;
}

/** The plain object of a message, and the position of every path in it. */
export interface RawMessage {
  readonly raw: Record<string, unknown>;
  /** Keyed by {@link pathKey}. */
  readonly positions: ReadonlyMap<string, PathPosition>;
}

/**
 * The key of a path in {@link RawMessage.positions}.
 *
 * @example
 * pathKey(['input', 0, 'dims']); // 'input\u00000\u0000dims'
 */
export function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join('\u0000');
}

/**
 * Converts a parsed message. Throws {@link PbtxtSyntaxError} when a map field repeats a key
 * (protobuf would keep the last silently; a config should not say two things).
 *
 * @example
 * const { raw, positions } = toRaw(parsePbtxt(text, modelConfigType()));
 */
export function toRaw(message: PbMessage): RawMessage {
  const positions = new Map<string, PathPosition>();
  return { raw: messageObject(message, [], positions), positions };
}

function messageObject(
  message: PbMessage,
  path: readonly PropertyKey[],
  positions: Map<string, PathPosition>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of message.fields) {
    const name = f.field.name;
    const here = [...path, name];
    if (!positions.has(pathKey(here)))
      positions.set(pathKey(here), { key: f.pos, value: f.value.pos });
    if (f.field.map) addEntry(out, name, f, here, positions);
    else if (f.field.repeated) {
      const list = (out[name] ??= []) as unknown[];
      const at = [...here, list.length];
      positions.set(pathKey(at), { key: f.pos, value: f.value.pos });
      list.push(plain(f.value, at, positions));
    } else {
      out[name] = plain(f.value, here, positions);
    }
  }
  return out;
}

function addEntry(
  out: Record<string, unknown>,
  name: string,
  f: PbField,
  here: readonly PropertyKey[],
  positions: Map<string, PathPosition>,
): void {
  const entry = f.value;
  if (entry.kind !== 'entry') return;
  const map = (out[name] ??= {}) as Record<string, unknown>;
  const key = String(entry.key);
  const at = [...here, key];
  const first = positions.get(pathKey(at));
  if (Object.hasOwn(map, key) && first) {
    throw new PbtxtSyntaxError(
      entry.keyPos.line,
      entry.keyPos.col,
      `map field '${name}' has key '${key}' twice (first at ${first.key.line}:${first.key.col})`,
    );
  }
  positions.set(pathKey(at), { key: entry.keyPos, value: entry.value.pos });
  map[key] = plain(entry.value, at, positions);
}

function plain(
  v: PbValue,
  path: readonly PropertyKey[],
  positions: Map<string, PathPosition>,
): unknown {
  if (v.kind === 'scalar') return v.value;
  if (v.kind === 'message') return messageObject(v.message, path, positions);
  return plain(v.value, path, positions);
}
