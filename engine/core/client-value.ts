/**
 * @module How error messages show what a client sent: a name in quotes, or a value as short
 * JSON. Both are bounded in length, so a 10 MB tensor name is not sent back whole, and in depth,
 * so a value nested thousands of levels deep cannot overflow the stack the way JSON.stringify
 * does (issue #10 item 7). Every message that carries a client's string or value goes through
 * one of these.
 */

/** Longest name {@link quote} shows whole. */
export const MAX_QUOTED_CHARS = 128;

/** Longest rendering {@link describeValue} gives. */
export const MAX_DESCRIBED_CHARS = 60;

/** Array and object levels {@link describeValue} opens; deeper ones show as `[...]` / `{...}`. */
const MAX_DEPTH = 3;

/**
 * A client's name (tensor, parameter, setting key) in single quotes. A name longer than
 * {@link MAX_QUOTED_CHARS} is cut, and the message says how long it was.
 *
 * @example
 * quote('INPUT0'); // "'INPUT0'"
 * quote('x'.repeat(1e7)); // "'xxx…xxx...' (10000000 characters)"
 */
export function quote(text: string): string {
  if (text.length <= MAX_QUOTED_CHARS) return `'${text}'`;
  return `'${cut(text, MAX_QUOTED_CHARS)}...' (${text.length} characters)`;
}

/**
 * A client's value as it would look in JSON, cut to {@link MAX_DESCRIBED_CHARS} characters and
 * {@link MAX_DEPTH} levels of arrays and objects. `undefined` reads as `nothing`.
 *
 * @example
 * describeValue([1, [2, [3, [4]]]]); // '[1,[2,[3,[...]]]]'
 * describeValue('x'.repeat(100)); // '"xxxx…xxxx...'
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const out = render(value, 0, MAX_DESCRIBED_CHARS + 1);
  return out.length > MAX_DESCRIBED_CHARS ? `${cut(out, MAX_DESCRIBED_CHARS - 3)}...` : out;
}

/**
 * `text` whole if it has at most `max` characters; otherwise its start and how much was cut.
 * The last resort for messages that carry client text some other way.
 *
 * @example
 * truncate('abcdef', 3); // 'abc... (3 more characters)'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = cut(text, max);
  return `${head}... (${text.length - head.length} more characters)`;
}

/** Renders `v` as JSON, stopping once about `budget` characters are written. */
function render(v: unknown, depth: number, budget: number): string {
  if (typeof v === 'string') return JSON.stringify(v.length > budget ? cut(v, budget) : v);
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : String(v);
  if (typeof v !== 'object' || v === null) return String(v);
  const isArray = Array.isArray(v);
  if (depth >= MAX_DEPTH) return isArray ? '[...]' : '{...}';
  let out = isArray ? '[' : '{';
  // for-in and an index loop stop early; Object.entries would copy a huge object to show a few keys.
  const keys: Iterable<string | number> = isArray ? indexes(v.length) : keysOf(v);
  for (const key of keys) {
    if (out.length >= budget) return out;
    if (out.length > 1) out += ',';
    if (typeof key === 'string') out += `${render(key, depth, budget - out.length)}:`;
    out += render((v as Record<string | number, unknown>)[key], depth + 1, budget - out.length);
  }
  return out + (isArray ? ']' : '}');
}

function* indexes(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

function* keysOf(o: object): Generator<string> {
  for (const key in o) if (Object.hasOwn(o, key)) yield key;
}

/** The first `n` UTF-16 units of `text`, not splitting a surrogate pair. */
function cut(text: string, n: number): string {
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}
