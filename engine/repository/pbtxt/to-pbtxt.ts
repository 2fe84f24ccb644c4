/**
 * @module config.yaml (or config.json) → config.pbtxt: the YAML document walked against
 * model_config.proto and written as protobuf text format in the layout of Triton's examples
 * (`input [ { ... } ]`, map entries as `{ key: ... value: ... }`), with the YAML's comments kept
 * before or after the fields they belong to.
 */
import protobuf from 'protobufjs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node, Pair } from 'yaml';
import { PbtxtSyntaxError } from './lexer.js';
import { modelConfigType } from './schema.js';

/**
 * Converts the text of a YAML or JSON model config into config.pbtxt text. Throws
 * PbtxtSyntaxError (with the YAML's line and column) on invalid YAML, a key that is no field of
 * model_config.proto, or a value of the wrong type.
 *
 * @example
 * yamlToPbtxt('name: simple\nmax_batch_size: 8\n'); // 'name: "simple"\nmax_batch_size: 8\n'
 */
export function yamlToPbtxt(text: string): string {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const writer = new Writer(lineCounter);
  const first = doc.errors[0];
  if (first) {
    const at = lineCounter.linePos(first.pos[0]);
    throw new PbtxtSyntaxError(at.line, at.col, first.message.split('\n')[0] ?? first.message);
  }
  writer.comment(doc.commentBefore, 0);
  const contents = doc.contents as Node | null;
  if (contents && !(isScalar(contents) && contents.value === null)) {
    if (!isMap(contents)) throw writer.fail(contents, 'a model config is a mapping of fields');
    writer.comment(contents.commentBefore, 0);
    writer.fields(contents.items as Pair[], modelConfigType(), 0);
    writer.comment(contents.comment, 0);
  }
  writer.comment(doc.comment, 0);
  return writer.text();
}

class Writer {
  readonly #lines: string[] = [];
  readonly #counter: LineCounter;

  constructor(counter: LineCounter) {
    this.#counter = counter;
  }

  text(): string {
    return this.#lines.length === 0 ? '' : `${this.#lines.join('\n')}\n`;
  }

  comment(text: string | null | undefined, depth: number): void {
    if (!text) return;
    for (const line of text.split('\n')) this.#lines.push(`${pad(depth)}#${line}`);
  }

  fields(pairs: readonly Pair[], type: protobuf.Type, depth: number): void {
    for (const pair of pairs) {
      const key = pair.key as Node;
      const name = isScalar(key) ? String(key.value) : '';
      const field = type.fields[name];
      if (!field)
        throw this.fail(key, `message type ${type.fullName.slice(1)} has no field named '${name}'`);
      field.resolve();
      this.comment(key.commentBefore, depth);
      const value = pair.value as Node | null;
      this.comment(value?.commentBefore, depth);
      this.field(field, value, depth);
      this.#trail(value?.comment ?? key.comment);
    }
  }

  field(field: protobuf.FieldBase, value: Node | null, depth: number): void {
    if (field instanceof protobuf.MapField) return this.#map(field, value, depth);
    const isMessage = field.resolvedType instanceof protobuf.Type;
    if (!field.repeated) return this.#single(field, value, depth, `${pad(depth)}${field.name}`);
    if (!value || !isSeq(value))
      throw this.fail(value, `field '${field.name}' is repeated: expected a sequence`);
    if (!isMessage) {
      const items = value.items.map(item => this.scalar(field, item as Node));
      this.#lines.push(`${pad(depth)}${field.name}: [ ${items.join(', ')} ]`.replace('[  ]', '[]'));
      return;
    }
    if (value.items.length === 0) return void this.#lines.push(`${pad(depth)}${field.name}: []`);
    this.#lines.push(`${pad(depth)}${field.name} [`);
    value.items.forEach((item, i) => {
      const node = item as Node;
      this.comment(node.commentBefore, depth + 1);
      this.#message(field.resolvedType as protobuf.Type, node, depth + 1, pad(depth + 1));
      if (i < value.items.length - 1) this.#lines[this.#lines.length - 1] += ',';
      this.#trail(node.comment);
    });
    this.#lines.push(`${pad(depth)}]`);
  }

  #single(field: protobuf.FieldBase, value: Node | null, depth: number, head: string): void {
    if (field.resolvedType instanceof protobuf.Type)
      this.#message(field.resolvedType, value, depth, `${head} `);
    else this.#lines.push(`${head}: ${this.scalar(field, value)}`);
  }

  #message(type: protobuf.Type, value: Node | null, depth: number, head: string): void {
    if (value && isScalar(value) && value.value === null) value = null;
    if (value && !isMap(value))
      throw this.fail(value, `expected the fields of ${type.fullName.slice(1)} as a mapping`);
    if (!value || value.items.length === 0) return void this.#lines.push(`${head}{ }`);
    this.#lines.push(`${head}{`);
    this.comment(value.commentBefore, depth + 1);
    this.fields(value.items as Pair[], type, depth + 1);
    this.comment(value.comment, depth + 1);
    this.#lines.push(`${pad(depth)}}`);
  }

  #map(field: protobuf.MapField, value: Node | null, depth: number): void {
    if (!value || (isScalar(value) && value.value === null)) return;
    if (!isMap(value))
      throw this.fail(value, `map field '${field.name}' expects a mapping of keys to values`);
    for (const pair of value.items as Pair[]) {
      const key = pair.key as Node;
      this.comment(key.commentBefore, depth);
      this.#lines.push(`${pad(depth)}${field.name} {`);
      this.#lines.push(`${pad(depth + 1)}key: ${this.#mapKey(field, key)}`);
      this.#single(
        withResolved(field),
        pair.value as Node | null,
        depth + 1,
        `${pad(depth + 1)}value`,
      );
      this.#lines.push(`${pad(depth)}}`);
      this.#trail((pair.value as Node | null)?.comment);
    }
  }

  #mapKey(field: protobuf.MapField, key: Node): string {
    const k = isScalar(key) ? key.value : undefined;
    if (field.keyType === 'string') return quote(String(k));
    const n = typeof k === 'number' ? k : Number(k);
    if (!Number.isInteger(n))
      throw this.fail(
        key,
        `the keys of map field '${field.name}' are integers, found '${String(k)}'`,
      );
    return String(n);
  }

  scalar(field: protobuf.FieldBase, node: Node | null): string {
    const v = node && isScalar(node) ? node.value : undefined;
    const what = `field '${field.name}'`;
    const sub = field.resolvedType;
    if (sub instanceof protobuf.Enum) {
      const name =
        typeof v === 'number' ? Object.keys(sub.values).find(k => sub.values[k] === v) : String(v);
      if (name === undefined || !(name in sub.values))
        throw this.fail(
          node,
          `unknown value '${String(v)}' for ${what}: expected one of ${Object.keys(sub.values).join(', ')}`,
        );
      return name;
    }
    if (field.type === 'string' || field.type === 'bytes') {
      if (typeof v !== 'string')
        throw this.fail(node, `expected a string for ${what}, found ${show(v)}`);
      return quote(v);
    }
    if (field.type === 'bool') {
      if (typeof v !== 'boolean')
        throw this.fail(node, `expected true or false for ${what}, found ${show(v)}`);
      return String(v);
    }
    const float = field.type === 'float' || field.type === 'double';
    if (typeof v !== 'number' || (!float && !Number.isInteger(v)))
      throw this.fail(
        node,
        `expected ${float ? 'a number' : 'an integer'} for ${what}, found ${show(v)}`,
      );
    return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  }

  fail(node: Node | null | undefined, message: string): PbtxtSyntaxError {
    const at = node?.range ? this.#counter.linePos(node.range[0]) : { line: 0, col: 0 };
    return new PbtxtSyntaxError(at.line, at.col, message);
  }

  #trail(text: string | null | undefined): void {
    if (!text) return;
    const [first, ...rest] = text.split('\n');
    this.#lines[this.#lines.length - 1] += `  #${first}`;
    for (const line of rest) this.#lines.push(`#${line}`);
  }
}

/** A map field's value type as a field of its own, so values are written like any field. */
function withResolved(field: protobuf.MapField): protobuf.Field {
  const f = new protobuf.Field('value', 2, field.type);
  f.resolvedType = field.resolvedType;
  return f;
}

function pad(depth: number): string {
  return '  '.repeat(depth);
}

function show(v: unknown): string {
  return v === undefined ? 'no value' : JSON.stringify(v);
}

/** A double-quoted text-format string: C escapes for quotes, backslashes and control characters. */
function quote(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point: they get escaped
  const escaped = s.replace(/[\\"\u0000-\u001f\u007f]/g, c => {
    const named: Record<string, string> = {
      '\\': '\\\\',
      '"': '\\"',
      '\n': '\\n',
      '\r': '\\r',
      '\t': '\\t',
    };
    return named[c] ?? `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
  return `"${escaped}"`;
}
