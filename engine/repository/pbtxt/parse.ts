/**
 * @module A protobuf text-format parser driven by the message's reflection (protobufjs): field
 * names, types, repeated and map fields, enums and oneofs come from the .proto, so an unknown
 * field, a wrong type or two members of one oneof are errors with a line and column. The result
 * is a tree that keeps every field's position and the comments around it.
 */
import protobuf from 'protobufjs';
import { PbtxtSyntaxError, tokenize } from './lexer.js';
import type { TextComment, TextPosition, Token } from './lexer.js';
import { readScalar } from './scalars.js';
import type { ScalarValue } from './scalars.js';
import type { PbField, PbMessage, PbValue } from './tree.js';

/**
 * Parses a text-format document as message `type` (resolved). Throws {@link PbtxtSyntaxError}
 * at the first error.
 *
 * @example
 * const msg = parsePbtxt('max_batch_size: 8', modelConfigType());
 * msg.fields[0]?.value; // { kind: 'scalar', value: 8, ... }
 */
export function parsePbtxt(text: string, type: protobuf.Type): PbMessage {
  const { tokens, comments } = tokenize(text);
  const parser = new Parser(tokens, comments);
  const message = parser.message(type, 'eof');
  return { ...message, endComments: [...message.endComments, ...parser.rest()] };
}

class Parser {
  #i = 0;
  #c = 0;
  readonly #tokens: readonly Token[];
  readonly #comments: readonly TextComment[];

  constructor(tokens: readonly Token[], comments: readonly TextComment[]) {
    this.#tokens = tokens;
    this.#comments = comments;
  }

  /** Fields up to `close` (a punctuation token, or `eof` for the document). */
  message(type: protobuf.Type, close: string): PbMessage {
    const fields: PbField[] = [];
    const seen = new Map<string, PbField>();
    const pending: TextComment[] = [];
    while (!this.#at(close)) {
      if (this.#peek().kind === 'eof')
        throw this.#expected(`'${close}' to close ${type.fullName.slice(1)}`);
      pending.push(...this.#commentsBefore(this.#peek().pos.offset));
      // An empty list (`gpus: []`) sets nothing, as in protobuf; its comments go to what follows.
      const parsed = this.#field(type);
      if (this.#at(',') || this.#at(';')) this.#next();
      if (parsed.length === 0) continue;
      parsed[0]!.comments.push(...pending.splice(0));
      for (const f of parsed) checkOnce(f, seen, type);
      fields.push(...parsed);
      const trailing = this.#trailing(this.#tokens[this.#i - 1]!.pos.line);
      if (trailing) parsed.at(-1)!.trailing = trailing;
    }
    const endComments = [...pending, ...this.#commentsBefore(this.#peek().pos.offset)];
    if (close !== 'eof') this.#next();
    return { type, fields, endComments };
  }

  /** Comments not attached to anything (after the last token). */
  rest(): TextComment[] {
    return this.#comments.slice(this.#c);
  }

  #field(type: protobuf.Type): PbField[] {
    const nameToken = this.#next();
    if (nameToken.kind === 'punct' && nameToken.text === '[') {
      throw fail(nameToken, 'extension and Any fields ([...]) are not part of a model config');
    }
    if (nameToken.kind !== 'ident')
      throw fail(nameToken, `expected a field name, found '${nameToken.text}'`);
    const field = type.fields[nameToken.text];
    if (!field)
      throw fail(
        nameToken,
        `message type ${type.fullName.slice(1)} has no field named '${nameToken.text}'`,
      );
    field.resolve();
    const isMessage = field.map || field.resolvedType instanceof protobuf.Type;
    const colon = this.#at(':');
    if (colon) this.#next();
    else if (!isMessage) throw this.#expected(`':' after field '${field.name}'`);
    const make = (value: PbValue): PbField => ({ field, pos: nameToken.pos, value, comments: [] });
    if (this.#at('[') && (field.repeated || field.map)) return this.#list(field).map(make);
    if (this.#at('['))
      throw fail(
        this.#peek(),
        `field '${field.name}' is not repeated: a list [...] does not fit it`,
      );
    return [make(this.#value(field))];
  }

  #list(field: protobuf.FieldBase): PbValue[] {
    this.#next();
    const values: PbValue[] = [];
    while (!this.#at(']')) {
      values.push(this.#value(field));
      if (this.#at(']')) break;
      if (!this.#at(',')) throw this.#expected(`',' or ']' in the list of field '${field.name}'`);
      this.#next();
    }
    this.#next();
    return values;
  }

  #value(field: protobuf.FieldBase): PbValue {
    const pos = this.#peek().pos;
    if (field instanceof protobuf.MapField) return this.#mapEntry(field);
    if (field.resolvedType instanceof protobuf.Type) {
      return { kind: 'message', message: this.#messageBody(field.resolvedType), pos };
    }
    return {
      kind: 'scalar',
      value: this.#scalar(field.type, field.resolvedType, `field '${field.name}'`),
      pos,
    };
  }

  #messageBody(type: protobuf.Type): PbMessage {
    const open = this.#next();
    if (open.text !== '{' && open.text !== '<')
      throw fail(open, `expected '{' to open ${type.fullName.slice(1)}, found '${open.text}'`);
    return this.message(type, open.text === '{' ? '}' : '>');
  }

  /** A map entry `{ key: K value: V }`, as protobuf writes map fields in text. */
  #mapEntry(field: protobuf.MapField): PbValue {
    const open = this.#next();
    const pos = open.pos;
    if (open.text !== '{' && open.text !== '<')
      throw fail(
        open,
        `expected '{' to open an entry of map field '${field.name}', found '${open.text}'`,
      );
    const close = open.text === '{' ? '}' : '>';
    let key: { value: ScalarValue; pos: TextPosition } | undefined;
    let value: PbValue | undefined;
    while (!this.#at(close)) {
      const name = this.#next();
      if (name.text !== 'key' && name.text !== 'value')
        throw fail(
          name,
          `an entry of map field '${field.name}' has only 'key' and 'value', found '${name.text}'`,
        );
      if ((name.text === 'key' ? key : value) !== undefined)
        throw fail(name, `'${name.text}' is given twice in an entry of map field '${field.name}'`);
      if (name.text === 'key') {
        this.#expectColon(name.text);
        const at = this.#peek().pos;
        key = {
          value: this.#scalar(field.keyType, null, `the key of map field '${field.name}'`),
          pos: at,
        };
      } else {
        value = this.#mapValue(field);
      }
      if (this.#at(',') || this.#at(';')) this.#next();
    }
    this.#next();
    const keyValue =
      key?.value ?? (field.keyType === 'string' ? '' : field.keyType === 'bool' ? false : 0);
    return {
      kind: 'entry',
      key: keyValue,
      keyPos: key?.pos ?? pos,
      value: value ?? emptyValue(field, pos),
      pos,
    };
  }

  #mapValue(field: protobuf.MapField): PbValue {
    const isMessage = field.resolvedType instanceof protobuf.Type;
    if (this.#at(':')) this.#next();
    else if (!isMessage) throw this.#expected(`':' after 'value'`);
    const pos = this.#peek().pos;
    if (field.resolvedType instanceof protobuf.Type)
      return { kind: 'message', message: this.#messageBody(field.resolvedType), pos };
    return {
      kind: 'scalar',
      value: this.#scalar(field.type, field.resolvedType, `the value of map field '${field.name}'`),
      pos,
    };
  }

  #scalar(type: string, resolved: protobuf.ReflectionObject | null, what: string): ScalarValue {
    const parts: Token[] = [this.#next()];
    if (parts[0]!.kind === 'string')
      while (this.#peek().kind === 'string') parts.push(this.#next());
    else if (parts[0]!.text === '-') parts.push(this.#next());
    return readScalar(parts, type, resolved, what);
  }

  #expectColon(name: string): void {
    if (!this.#at(':')) throw this.#expected(`':' after '${name}'`);
    this.#next();
  }

  #commentsBefore(offset: number): TextComment[] {
    const out: TextComment[] = [];
    while (this.#c < this.#comments.length && this.#comments[this.#c]!.pos.offset < offset)
      out.push(this.#comments[this.#c++]!);
    return out;
  }

  #trailing(line: number): TextComment | undefined {
    const c = this.#comments[this.#c];
    if (!c || c.ownLine || c.pos.line !== line) return undefined;
    this.#c++;
    return c;
  }

  #at(text: string): boolean {
    const t = this.#peek();
    return text === 'eof' ? t.kind === 'eof' : t.kind === 'punct' && t.text === text;
  }

  #peek(): Token {
    return this.#tokens[this.#i]!;
  }

  #next(): Token {
    const t = this.#tokens[this.#i]!;
    if (t.kind !== 'eof') this.#i++;
    return t;
  }

  #expected(what: string): PbtxtSyntaxError {
    const t = this.#peek();
    return fail(
      t,
      `expected ${what}, found ${t.kind === 'eof' ? 'the end of the file' : `'${t.text}'`}`,
    );
  }
}

function emptyValue(field: protobuf.MapField, pos: TextPosition): PbValue {
  if (field.resolvedType instanceof protobuf.Type)
    return {
      kind: 'message',
      message: { type: field.resolvedType, fields: [], endComments: [] },
      pos,
    };
  const value =
    field.resolvedType instanceof protobuf.Enum
      ? (Object.keys(field.resolvedType.values)[0] ?? '')
      : field.type === 'string' || field.type === 'bytes'
        ? ''
        : field.type === 'bool'
          ? false
          : 0;
  return { kind: 'scalar', value, pos };
}

/** A non-repeated field may appear once, and only one member of a oneof may be set. */
function checkOnce(f: PbField, seen: Map<string, PbField>, type: protobuf.Type): void {
  const field = f.field;
  if (field.repeated || field.map) return;
  const first = seen.get(field.name);
  if (first)
    throw fail(
      { pos: f.pos },
      `non-repeated field '${field.name}' is given more than once (first at ${first.pos.line}:${first.pos.col})`,
    );
  const oneof = (field as protobuf.Field).partOf;
  const rival = oneof
    ? [...seen.values()].find(s => (s.field as protobuf.Field).partOf === oneof)
    : undefined;
  if (oneof && rival) {
    throw fail(
      { pos: f.pos },
      `field '${field.name}' is given along with '${rival.field.name}' (at ${rival.pos.line}:${rival.pos.col}); only one member of oneof '${oneof.name}' of ${type.fullName.slice(1)} may be set`,
    );
  }
  seen.set(field.name, f);
}

function fail(token: { readonly pos: TextPosition }, message: string): PbtxtSyntaxError {
  return new PbtxtSyntaxError(token.pos.line, token.pos.col, message);
}
