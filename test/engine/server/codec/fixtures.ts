import { expect } from 'vitest';
import type { ErrorCode } from '../../../../engine/core/errors.js';
import { EngineError } from '../../../../engine/core/errors.js';
import { decodeInferBody } from '../../../../engine/server/codec/index.js';
import type { DecodedInferBody } from '../../../../engine/server/codec/index.js';

const utf8 = new TextEncoder();

/** A resolver for tests that must never reach the raw path. */
export function noRaw(): never {
  throw new Error('raw input resolver called for a non-raw request');
}

/** Decodes `obj` sent as a plain JSON body (no Inference-Header-Content-Length). */
export function decodeJson(obj: unknown): DecodedInferBody {
  return decodeInferBody(utf8.encode(JSON.stringify(obj)), undefined, noRaw);
}

/** The raw bytes of a typed array. */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
}

/**
 * A binary-extension body: `header` as JSON, padded with spaces so its length is
 * `align * k + misalign`, followed by `parts`.
 */
export function binaryBody(
  header: unknown,
  parts: readonly Uint8Array[],
  opts: { align?: number; misalign?: number } = {},
): { body: Uint8Array; headerLength: number } {
  const align = opts.align ?? 8;
  let json = JSON.stringify(header);
  while (utf8.encode(json).byteLength % align !== (opts.misalign ?? 0)) json += ' ';
  const head = utf8.encode(json);
  const total = parts.reduce((n, p) => n + p.byteLength, head.byteLength);
  const body = new Uint8Array(total);
  body.set(head);
  let o = head.byteLength;
  for (const p of parts) {
    body.set(p, o);
    o += p.byteLength;
  }
  return { body, headerLength: head.byteLength };
}

/** Decodes a binary-extension body built by {@link binaryBody}. */
export function decodeBinary(
  header: unknown,
  parts: readonly Uint8Array[],
  opts: { align?: number; misalign?: number } = {},
): { decoded: DecodedInferBody; body: Uint8Array } {
  const { body, headerLength } = binaryBody(header, parts, opts);
  return { decoded: decodeInferBody(body, headerLength, noRaw), body };
}

/** Asserts that `fn` throws an EngineError with `code` whose message contains every fragment. */
export function expectEngineError(
  fn: () => unknown,
  code: ErrorCode,
  ...fragments: string[]
): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(EngineError);
  const err = caught as EngineError;
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
}

/** UTF-8 bytes of `s`. */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}
