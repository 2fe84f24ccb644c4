/**
 * Finds the numeric `data` arrays of an infer request's `inputs` in the raw JSON bytes, reads
 * them with {@link readJsonNumbers}, and hands JSON.parse the rest with a `0` where each array
 * was. The walk follows JSON's structure (strings skipped with memchr-speed `indexOf`), so only
 * `inputs[i].data` is taken, never a `data` key inside parameters.
 *
 * It gives up (returns undefined, and the caller parses the whole text) whenever the result
 * could differ from JSON.parse's: a repeated `inputs` or `data` key (JSON.parse keeps the
 * last), a key with escapes at those levels, or a structure it does not close.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { MAX_DATA_NESTING } from './json-data.js';
import type { JsonNumbers } from './json-numbers.js';
import { readJsonNumbers } from './json-numbers.js';
import { parseRequestJson, utf8ToString } from './json-text.js';
import { notUtf8Error } from './json-utf8.js';

/** The request text with numeric data taken out, and those data by input index. */
export interface ScannedRequest {
  readonly text: string;
  readonly numbers: ReadonlyMap<number, JsonNumbers>;
}

/**
 * Below this a request holds a few dozen numbers at most, and the walk would cost about what
 * it saves (measured on a 2 × 16 FP32 request).
 */
export const NUMERIC_SCAN_MIN_BYTES = 1024;

/** A parsed request and, when the fast path read any, the numeric data by input index. */
export interface ParsedInferJson {
  readonly json: unknown;
  readonly numbers?: ReadonlyMap<number, JsonNumbers>;
}

/**
 * Parses an infer request's JSON header, reading numeric `data` arrays straight into
 * Float64Arrays when the header has at least `minBytes`. Anything the fast path does not take, including every malformed body, goes
 * through {@link parseRequestJson}, so results and error messages are the same.
 *
 * @example
 * const { json, numbers } = parseInferJson(body.subarray(0, headerLength));
 */
export function parseInferJson(
  bytes: Uint8Array,
  minBytes = NUMERIC_SCAN_MIN_BYTES,
): ParsedInferJson {
  if (bytes.length >= minBytes) {
    if (!isUtf8(bytes)) throw notUtf8Error(bytes);
    const scanned = scanNumericData(bytes, MAX_DATA_NESTING);
    if (scanned !== undefined) {
      try {
        return { json: JSON.parse(scanned.text), numbers: scanned.numbers };
      } catch {
        // Malformed elsewhere, or NaN tokens: the full parse reports on the client's own text.
      }
    }
  }
  return { json: parseRequestJson(bytes) };
}

const INPUTS = [0x69, 0x6e, 0x70, 0x75, 0x74, 0x73]; // inputs
const DATA = [0x64, 0x61, 0x74, 0x61]; // data
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Takes the numeric `inputs[i].data` arrays out of request JSON bytes (already checked UTF-8).
 *
 * @param maxDepth - deepest nesting of a `data` array read here; deeper ones are left to the
 *   caller's checks
 * @returns undefined when there is no such array or the walk cannot be sure of the structure
 * @example
 * const scanned = scanNumericData(bytes, 100);
 * const json = JSON.parse(scanned.text); // inputs[0].data === 0; scanned.numbers.get(0) has the values
 */
export function scanNumericData(bytes: Uint8Array, maxDepth: number): ScannedRequest | undefined {
  const w = new Walk(bytes, maxDepth);
  if (!w.run() || w.spans.length === 0) return undefined;
  let text = '';
  let last = 0;
  for (const [start, end] of w.spans) {
    text += utf8ToString(bytes.subarray(last, start)) + '0';
    last = end;
  }
  return { text: text + utf8ToString(bytes.subarray(last)), numbers: w.numbers };
}

class Walk {
  readonly spans: Array<readonly [number, number]> = [];
  readonly numbers = new Map<number, JsonNumbers>();
  #b: Uint8Array;
  #maxDepth: number;
  #depth = 0;
  #inInputs = false; // the depth-2 container is the array under the root's `inputs`
  #inputsSeen = false;
  #nextIsInputs = false; // the root key just read is `inputs`
  #inputIndex = 0;
  #dataSeen = false; // the current input object has had its `data` key

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.#b = bytes;
    this.#maxDepth = maxDepth;
  }

  /** Walks the whole text; false when the result would not be sure to match JSON.parse. */
  run(): boolean {
    const b = this.#b;
    for (let i = 0; i < b.length;) {
      const c = b[i];
      if (c === QUOTE) {
        const next = this.#string(i);
        if (next === undefined) return false;
        i = next;
      } else if (c === 0x7b || c === 0x5b) {
        this.#open(c);
        i++;
      } else if (c === 0x7d || c === 0x5d) {
        if (--this.#depth === 1) this.#inInputs = false;
        i++;
      } else {
        if (c === 0x2c && this.#depth === 2 && this.#inInputs) this.#inputIndex++;
        i++;
      }
    }
    return this.#depth === 0;
  }

  #open(c: number): void {
    this.#depth++;
    if (this.#depth === 2 && c === 0x5b && this.#nextIsInputs) {
      this.#inInputs = true;
      this.#inputIndex = 0;
    } else if (this.#depth === 3 && this.#inInputs) {
      this.#dataSeen = false;
    }
  }

  /** Skips the string at `open`; if it is a key, handles it. Returns where to go on. */
  #string(open: number): number | undefined {
    const b = this.#b;
    let close = b.indexOf(QUOTE, open + 1);
    while (close !== -1 && escaped(b, close)) close = b.indexOf(QUOTE, close + 1);
    if (close === -1) return undefined;
    let colon = close + 1;
    while (isSpace(b[colon])) colon++;
    if (b[colon] !== 0x3a) return close + 1;
    const root = this.#depth === 1;
    const input = this.#depth === 3 && this.#inInputs;
    if (!root && !input) return colon + 1;
    const key = b.subarray(open + 1, close);
    if (key.includes(BACKSLASH)) return undefined;
    if (root) {
      this.#nextIsInputs = equals(key, INPUTS);
      if (this.#nextIsInputs && this.#inputsSeen) return undefined;
      this.#inputsSeen ||= this.#nextIsInputs;
      return colon + 1;
    }
    if (!equals(key, DATA)) return colon + 1;
    if (this.#dataSeen) return undefined;
    this.#dataSeen = true;
    return this.#data(colon + 1);
  }

  /** At the value of `inputs[i].data`: reads it if it is a numeric array. */
  #data(at: number): number {
    const b = this.#b;
    let start = at;
    while (isSpace(b[start])) start++;
    if (b[start] !== 0x5b) return at;
    const read = readJsonNumbers(b, start, this.#maxDepth);
    if (read === undefined) return at;
    this.spans.push([start, read.end]);
    this.numbers.set(this.#inputIndex, read.numbers);
    return read.end;
  }
}

function escaped(b: Uint8Array, quote: number): boolean {
  let n = 0;
  for (let i = quote - 1; b[i] === BACKSLASH; i--) n++;
  return n % 2 === 1;
}

function equals(key: Uint8Array, word: readonly number[]): boolean {
  if (key.length !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (key[i] !== word[i]) return false;
  return true;
}

const isSpace = (c: number | undefined): boolean =>
  c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
