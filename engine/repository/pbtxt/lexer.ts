/**
 * @module Tokens of the protobuf text format (what Triton's config.pbtxt is written in):
 * identifiers, numbers, quoted strings with C escapes, punctuation, and `#` comments, each with
 * its line and column.
 */

/** A 1-based position in the text, and the offset it stands for. */
export interface TextPosition {
  readonly line: number;
  readonly col: number;
  readonly offset: number;
}

/** Kinds of token. A `string` token's `value` is the decoded text. */
export type TokenKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';

/** One token. */
export interface Token {
  readonly kind: TokenKind;
  /** The text as written (quotes included for strings). */
  readonly text: string;
  /** Strings only: the text with escapes decoded. */
  readonly value?: string;
  readonly pos: TextPosition;
}

/** A `#` comment: its text after `#`, and whether it is alone on its line. */
export interface TextComment {
  readonly text: string;
  readonly pos: TextPosition;
  readonly ownLine: boolean;
}

/** A syntax error of a text-format document, with where it is. */
export class PbtxtSyntaxError extends Error {
  readonly line: number;
  readonly col: number;
  readonly reason: string;

  constructor(line: number, col: number, reason: string) {
    super(`${line}:${col}: ${reason}`);
    this.name = 'PbtxtSyntaxError';
    this.line = line;
    this.col = col;
    this.reason = reason;
  }
}

const PUNCT = new Set(['{', '}', '<', '>', '[', ']', ':', ',', ';', '-', '/', '.']);
const NUMBER = /(?:0[xX][0-9a-fA-F]+|(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?)/y;
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Splits a text-format document into tokens (ending with one `eof`) and comments. Throws
 * {@link PbtxtSyntaxError} on an unterminated string, a bad escape or a stray character.
 *
 * @example
 * tokenize('dims: [ 16 ]  # per request').tokens.map(t => t.text); // ['dims', ':', '[', '16', ']', '']
 */
export function tokenize(text: string): { tokens: Token[]; comments: TextComment[] } {
  const tokens: Token[] = [];
  const comments: TextComment[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  let lineHasToken = false;
  const at = (offset: number): TextPosition => ({ line, col: offset - lineStart + 1, offset });
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = ++i;
      lineHasToken = false;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      i++;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      comments.push({
        text: text.slice(i + 1, stop).replace(/\r$/, ''),
        pos: at(i),
        ownLine: !lineHasToken,
      });
      i = stop;
    } else {
      const token = readToken(text, i, at(i));
      tokens.push(token);
      lineHasToken = true;
      i += token.text.length;
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: at(i) });
  return { tokens, comments };
}

function readToken(text: string, i: number, pos: TextPosition): Token {
  const c = text[i]!;
  if (c === '"' || c === "'") return readString(text, i, pos);
  const num = matchAt(NUMBER, text, i);
  if (num !== undefined) return { kind: 'number', text: num, pos };
  const ident = matchAt(IDENT, text, i);
  if (ident !== undefined) return { kind: 'ident', text: ident, pos };
  if (PUNCT.has(c)) return { kind: 'punct', text: c, pos };
  throw new PbtxtSyntaxError(pos.line, pos.col, `unexpected character '${c}'`);
}

function matchAt(sticky: RegExp, text: string, i: number): string | undefined {
  sticky.lastIndex = i;
  return sticky.exec(text)?.[0];
}

function readString(text: string, start: number, pos: TextPosition): Token {
  const quote = text[start]!;
  const bytes: number[] = [];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    const c = text[i]!;
    if (c === '\n') break;
    if (c !== '\\') {
      const cp = text.codePointAt(i)!;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    i = readEscape(text, i, bytes, { line: pos.line, col: pos.col + (i - start), offset: i });
  }
  if (text[i] !== quote)
    throw new PbtxtSyntaxError(pos.line, pos.col, 'string is not terminated on its line');
  const raw = text.slice(start, i + 1);
  return { kind: 'string', text: raw, value: Buffer.from(bytes).toString('utf8'), pos };
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  "'": 39,
  '"': 34,
  '?': 63,
};

/** Decodes the escape at `text[i]` (a backslash, at `pos`) into `bytes`; returns the offset after it. */
function readEscape(text: string, i: number, bytes: number[], pos: TextPosition): number {
  const e = text[i + 1] ?? '';
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) {
    bytes.push(simple);
    return i + 2;
  }
  const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
  if (octal) {
    bytes.push(parseInt(octal[0], 8) & 0xff);
    return i + 1 + octal[0].length;
  }
  const hex = /^[xX]([0-9a-fA-F]{1,2})/.exec(text.slice(i + 1, i + 4));
  if (hex) {
    bytes.push(parseInt(hex[1]!, 16));
    return i + 1 + hex[0].length;
  }
  const unicode = /^(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/.exec(text.slice(i + 1, i + 10));
  if (unicode) {
    const cp = parseInt(unicode[1] ?? unicode[2]!, 16);
    if (cp > 0x10ffff)
      throw new PbtxtSyntaxError(pos.line, pos.col, `escape \\${unicode[0]} is beyond Unicode`);
    bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
    return i + 1 + unicode[0].length;
  }
  throw new PbtxtSyntaxError(pos.line, pos.col, `invalid escape '\\${e}' in string`);
}
