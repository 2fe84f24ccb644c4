/**
 * Where a request's JSON stops being UTF-8. JSON exchanged between systems must be UTF-8
 * (RFC 8259 §8.1); decoding it leniently would turn the bad bytes into U+FFFD, which a BYTES
 * tensor would then carry as different bytes than the client sent (issue #10 item 12). The
 * request is refused instead, naming the tensor whose string holds the bytes.
 *
 * @module
 */
import { quote } from '../../core/client-value.js';
import { EngineError } from '../../core/errors.js';

const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The error for a JSON header that is not UTF-8: it names the input and field the first bad
 * byte sits in, or the path to it outside `inputs`, and its offset.
 *
 * @example
 * try { strict.decode(bytes) } catch { throw notUtf8Error(bytes) }
 */
export function notUtf8Error(bytes: Uint8Array): EngineError {
  const at = Math.max(0, firstInvalidUtf8(bytes));
  const path = jsonPathAt(bytes, at);
  if (path[0] === 'inputs' && typeof path[1] === 'number') {
    const name = inputName(bytes, path[1]);
    const field =
      path[2] === 'data'
        ? "a string in 'data'"
        : typeof path[2] === 'string'
          ? quote(path[2])
          : 'the input';
    return new EngineError(
      'INVALID_ARG',
      `input ${name}: ${field} is not valid UTF-8 (byte ${at} of the request JSON)`,
    );
  }
  const where = path.length === 0 ? '' : ` (in ${quote(path.join('.'))})`;
  return new EngineError(
    'INVALID_ARG',
    `the request JSON is not valid UTF-8 at byte ${at}${where}`,
  );
}

/** The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode Table 3-7), or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    if (c < 0xc2 || c > 0xf4) return i;
    const tail = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    // The second byte's range is narrower after E0, ED, F0 and F4: no overlongs, surrogates or values past U+10FFFF.
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    const second = b[i + 1];
    if (second === undefined || second < lo || second > hi) return i;
    for (let k = 2; k <= tail; k++) if (((b[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += tail + 1;
  }
  return -1;
}

/**
 * The keys and indexes of the containers around byte `at` of a JSON text, read by scanning the
 * bytes before it: `['inputs', 1, 'data', 0]` for a string in the data of the second input.
 */
function jsonPathAt(bytes: Uint8Array, at: number): Array<string | number> {
  const path: Array<string | number> = [];
  const inArray: boolean[] = [];
  let lastString: [number, number] = [0, 0];
  for (let i = 0; i < at; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      const end = closingQuote(bytes, i);
      if (end >= at) break;
      lastString = [i, end + 1];
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      inArray.push(c === 0x5b);
      path.push(c === 0x5b ? 0 : '');
    } else if (c === 0x7d || c === 0x5d) {
      inArray.pop();
      path.pop();
    } else if (c === 0x3a && path.length > 0) {
      path[path.length - 1] = keyText(bytes.subarray(lastString[0], lastString[1]));
    } else if (c === 0x2c && inArray.at(-1) === true) {
      path[path.length - 1] = (path.at(-1) as number) + 1;
    }
  }
  return path;
}

function closingQuote(bytes: Uint8Array, open: number): number {
  for (let i = open + 1; i < bytes.length; i++) {
    if (bytes[i] === 0x5c) i++;
    else if (bytes[i] === 0x22) return i;
  }
  return bytes.length;
}

function keyText(quoted: Uint8Array): string {
  try {
    return String(JSON.parse(lenient.decode(quoted)));
  } catch {
    return lenient.decode(quoted.subarray(1, -1));
  }
}

/** The quoted name of input `index`, read from the leniently decoded JSON when it parses. */
function inputName(bytes: Uint8Array, index: number): string {
  try {
    const json = JSON.parse(lenient.decode(bytes)) as { inputs?: Array<{ name?: unknown }> };
    const name = json.inputs?.[index]?.name;
    if (typeof name === 'string') return quote(name);
  } catch {
    // A body that does not parse either is named by position.
  }
  return String(index);
}
