/**
 * @module Scalar values of the protobuf text format, checked against the field's type the way
 * protobuf's own text parser checks them: integer ranges, enum names, bool spellings, floats with
 * `inf`/`nan`. 64-bit integers must fit a JavaScript number exactly.
 */
import protobuf from 'protobufjs';
import { PbtxtSyntaxError } from './lexer.js';
import type { Token } from './lexer.js';

/** A scalar as read: enums by name, 64-bit integers as numbers. */
export type ScalarValue = string | number | boolean;

const INT_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sint64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  sfixed64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint64: [0, Number.MAX_SAFE_INTEGER],
  fixed64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * Reads one scalar of `type` from `tokens` (a leading `-` token, then the value token; strings
 * as one or more adjacent string tokens, concatenated). `what` names the field in errors.
 */
export function readScalar(
  tokens: readonly Token[],
  type: string,
  resolved: protobuf.ReflectionObject | null,
  what: string,
): ScalarValue {
  const first = tokens[0]!;
  if (type === 'string' || type === 'bytes') {
    if (tokens.some(t => t.kind !== 'string')) throw expected(first, `a quoted string for ${what}`);
    return tokens.map(t => t.value ?? '').join('');
  }
  const negative = first.kind === 'punct' && first.text === '-';
  const token = negative ? tokens[1]! : first;
  if (resolved instanceof protobuf.Enum) return readEnum(token, negative, resolved, what);
  if (type === 'bool') return readBool(token, negative, what);
  if (type === 'float' || type === 'double') return readFloat(token, negative, what);
  const range = INT_RANGES[type];
  if (range) return readInt(token, negative, range, type, what);
  throw new PbtxtSyntaxError(
    first.pos.line,
    first.pos.col,
    `${what} has type ${type}, which this reader does not know`,
  );
}

function readEnum(token: Token, negative: boolean, e: protobuf.Enum, what: string): string {
  const names = Object.keys(e.values);
  if (token.kind === 'ident' && !negative) {
    if (token.text in e.values) return token.text;
    throw fail(
      token,
      `unknown value '${token.text}' for ${what}: expected one of ${names.join(', ')}`,
    );
  }
  if (token.kind === 'number') {
    const n = (negative ? -1 : 1) * parseIntToken(token, what);
    const name = names.find(k => e.values[k] === n);
    if (name !== undefined) return name;
    throw fail(token, `unknown value ${n} for ${what}: expected one of ${names.join(', ')}`);
  }
  throw expected(token, `an enum value of ${e.name} for ${what}`);
}

function readBool(token: Token, negative: boolean, what: string): boolean {
  if (!negative && token.kind === 'ident') {
    if (['true', 'True', 't'].includes(token.text)) return true;
    if (['false', 'False', 'f'].includes(token.text)) return false;
  }
  if (!negative && token.kind === 'number' && (token.text === '0' || token.text === '1'))
    return token.text === '1';
  throw expected(token, `true or false for ${what}`);
}

function readFloat(token: Token, negative: boolean, what: string): number {
  const sign = negative ? -1 : 1;
  if (token.kind === 'ident') {
    const word = token.text.toLowerCase();
    if (word === 'inf' || word === 'infinity') return sign * Infinity;
    if (word === 'nan') return NaN;
  }
  if (token.kind !== 'number') throw expected(token, `a number for ${what}`);
  const text = token.text;
  if (/^0[xX]/.test(text)) return sign * parseInt(text.slice(2), 16);
  return sign * Number(text.replace(/[fF]$/, ''));
}

function readInt(
  token: Token,
  negative: boolean,
  [min, max]: readonly [number, number],
  type: string,
  what: string,
): number {
  if (token.kind !== 'number') throw expected(token, `an integer for ${what}`);
  const n = (negative ? -1 : 1) * parseIntToken(token, what);
  if (n < min || n > max) {
    const range = type.includes('64')
      ? `[${min}, ${max}] (a 64-bit value must fit a double exactly)`
      : `[${min}, ${max}]`;
    throw fail(
      token,
      `${what} is ${type}: expected a value in ${range}, found ${negative ? '-' : ''}${token.text}`,
    );
  }
  return n === 0 ? 0 : n;
}

/** Decimal, hexadecimal (`0x1F`) or octal (`017`) integer text, as protobuf's text format reads it. */
function parseIntToken(token: Token, what: string): number {
  const text = token.text;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0[0-7]+$/.test(text)) return parseInt(text.slice(1), 8);
  if (/^[0-9]+$/.test(text)) return Number(text);
  throw fail(token, `expected an integer for ${what}, found ${text}`);
}

function expected(token: Token, what: string): PbtxtSyntaxError {
  const found = token.kind === 'eof' ? 'the end of the file' : `'${token.text}'`;
  return fail(token, `expected ${what}, found ${found}`);
}

function fail(token: Token, message: string): PbtxtSyntaxError {
  return new PbtxtSyntaxError(token.pos.line, token.pos.col, message);
}
