/**
 * Parsing the JSON header of an infer request. Triton parses with rapidjson's
 * kParseNanAndInfFlag (triton_json.h), so clients such as Python's `json.dumps` may send
 * `NaN`, `Infinity`, `-Infinity` (and rapidjson's `Inf`) as bare tokens. JSON.parse rejects
 * them; only then is the text rewritten and parsed a second time, so well-formed requests pay
 * nothing for this.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer';
import { EngineError } from '../../core/errors.js';
import { notUtf8Error } from './json-utf8.js';

// Sentinels start with U+0000, which a client string can only carry escaped; a collision
// would need a client to send this exact escaped string where a number is expected.
const NON_FINITE: ReadonlyArray<readonly [token: string, value: number]> = [
  ['-Infinity', -Infinity],
  ['-Inf', -Infinity],
  ['-NaN', NaN],
  ['Infinity', Infinity],
  ['Inf', Infinity],
  ['NaN', NaN],
];
const SENTINEL = new Map<string, number>(NON_FINITE.map(([t, v]) => [`\u0000braid:${t}`, v]));

// ignoreBOM keeps a leading U+FEFF: it is data in a BYTES element, and JSON.parse reports it
// in a header. Model outputs are decoded leniently (bad bytes become U+FFFD); request JSON is
// checked first, since its strings become BYTES tensors byte for byte. isUtf8 and a lenient
// decode cost less than a fatal TextDecoder on large non-ASCII bodies.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes UTF-8 bytes to a string, replacing invalid sequences with U+FFFD.
 *
 * @example
 * utf8ToString(new Uint8Array([104, 105])); // 'hi'
 */
export function utf8ToString(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * Parses the request JSON header, accepting the non-finite number tokens Triton accepts.
 *
 * @throws EngineError INVALID_ARG with Triton's "failed to parse the request JSON buffer", or
 *   naming the input whose strings are not UTF-8
 * @example
 * parseRequestJson(body.subarray(0, headerLength));
 */
export function parseRequestJson(bytes: Uint8Array): unknown {
  if (!isUtf8(bytes)) throw notUtf8Error(bytes);
  const text = utf8ToString(bytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    const relaxed = replaceNonFiniteTokens(text);
    if (relaxed !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(relaxed);
      } catch {
        // Fall through and report the error of the text the client actually sent.
      }
      if (parsed !== undefined) return reviveNonFinite(parsed);
    }
    const detail = e instanceof Error ? e.message : String(e);
    throw new EngineError('INVALID_ARG', `failed to parse the request JSON buffer: ${detail}`);
  }
}

/**
 * Puts the numbers back in place of their sentinels. A loop over an explicit stack, not a
 * JSON.parse reviver: V8 revives recursively, and a body nested some thousands of levels deep
 * would overflow the stack (issue #10 item 7).
 */
function reviveNonFinite(root: unknown): unknown {
  const stack: unknown[] = [];
  const top = revived(root, stack);
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) node[i] = revived(node[i], stack);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        const v = revived(value, stack);
        // defineProperty, as JSON.parse makes them: assigning an own `__proto__` key would call the setter.
        if (v !== value)
          Object.defineProperty(node, key, {
            value: v,
            writable: true,
            enumerable: true,
            configurable: true,
          });
      }
    }
  }
  return top;
}

/** `value`, or the number its sentinel stands for; containers are pushed to be visited. */
function revived(value: unknown, stack: unknown[]): unknown {
  if (typeof value === 'string')
    return value.charCodeAt(0) === 0 ? (SENTINEL.get(value) ?? value) : value;
  if (typeof value === 'object' && value !== null) stack.push(value);
  return value;
}

/** Replaces bare non-finite tokens outside strings with sentinel strings, or undefined if none. */
function replaceNonFiniteTokens(text: string): string | undefined {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
      continue;
    }
    if (c !== 0x2d && c !== 0x49 && c !== 0x4e) continue; // '-', 'I', 'N'
    const token = NON_FINITE.find(([t]) => text.startsWith(t, i));
    if (token === undefined) continue;
    out += text.slice(last, i) + JSON.stringify(`\u0000braid:${token[0]}`);
    i += token[0].length - 1;
    last = i + 1;
  }
  return last === 0 ? undefined : out + text.slice(last);
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i;
  }
  return text.length;
}
