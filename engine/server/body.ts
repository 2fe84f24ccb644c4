/**
 * @module
 * Request bodies as bytes: read once under a size limit, decompressed per `Content-Encoding`,
 * and parsed as a small JSON object for the control endpoints.
 */
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { InputType, ZlibOptions } from 'node:zlib';
import { quote } from '../core/client-value.js';
import { EngineError } from '../core/errors.js';
import type { ServerContext } from './routing.js';

const gunzipAsync = promisify<InputType, ZlibOptions, Buffer>(gunzip);
const inflateAsync = promisify<InputType, ZlibOptions, Buffer>(inflate);

const EMPTY = new Uint8Array(0);

function tooLarge(limit: number): EngineError {
  return new EngineError(
    'PAYLOAD_TOO_LARGE',
    `request body exceeds the size limit of ${limit} bytes`,
  );
}

/**
 * Reads the whole request body, rejecting with PAYLOAD_TOO_LARGE as soon as it is known to
 * exceed `limit` bytes: from `Content-Length` before reading anything, otherwise while reading.
 * Under @hono/node-server the Node stream is read directly, which skips the web-stream layers
 * and the copy that `Request.arrayBuffer()` makes.
 *
 * @example
 * const bytes = await readBody(c, 1 << 26);
 */
export async function readBody(c: ServerContext, limit: number): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  const incoming = c.env?.incoming;
  if (incoming && !incoming.readableDidRead) return readNodeStream(incoming, limit);
  return readWebStream(c.req.raw.body, limit);
}

function readNodeStream(incoming: Readable, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (): void => {
      incoming.off('data', onData).off('end', onEnd).off('error', onGone).off('close', onGone);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        settle();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      settle();
      resolve(concat(chunks, size));
    };
    const onGone = (): void => {
      settle();
      reject(
        new EngineError('CANCELLED', 'the client disconnected while sending the request body'),
      );
    };
    incoming.on('data', onData).on('end', onEnd).on('error', onGone).on('close', onGone);
    // 'close' has already fired when the client went away before the handler ran.
    if (incoming.destroyed) onGone();
  });
}

async function readWebStream(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array> {
  if (!body) return EMPTY;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/** Uninitialized bytes, 8-byte aligned: a pool slice when Node pools that size, else fresh. */
function allocate(size: number): Uint8Array {
  // Node pools requests under half its pool size; larger ones get an ArrayBuffer of their own.
  if (size === 0 || size >= Buffer.poolSize >>> 1) return new Uint8Array(size);
  const slice = Buffer.allocUnsafe(size);
  if (slice.byteOffset % 8 !== 0) return new Uint8Array(size);
  return new Uint8Array(slice.buffer, slice.byteOffset, size);
}

/**
 * Copies the chunks into bytes the request owns. Always a copy, even for one chunk: Node's
 * HTTP parser hands out body chunks that are views into a buffer it reuses for later reads, and
 * tensors decoded from the body live on in the batcher queue after the handler's tick.
 * The bytes start 8-byte aligned, so the codec can view every tensor without copying.
 *
 * Small bodies are carved from Node's shared allocation pool (`Buffer.allocUnsafe`, whose
 * slices start at multiples of 8) instead of a fresh ArrayBuffer each: a fresh one costs 2-3 µs
 * to make and as much again to collect, a tenth of a small request's cost. The view is a plain
 * Uint8Array (Buffer's `slice` would not copy), and it never owns its whole buffer, so nothing
 * transfers it to a worker (backends copy such views).
 */
function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = allocate(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * Undoes a request `Content-Encoding` (gzip or deflate, as Triton accepts; identity is a no-op).
 * The decompressed size is held to `limit` too, so a small compressed body cannot expand past
 * it. Unknown encodings and corrupt data are INVALID_ARG; `what` names the request in messages.
 *
 * @example
 * const json = await decodeContentEncoding(body, 'gzip', 1 << 26, "infer request for model 'simple'");
 */
export async function decodeContentEncoding(
  body: Uint8Array,
  encoding: string,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  const enc = encoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  const decode =
    enc === 'gzip' || enc === 'x-gzip' ? gunzipAsync : enc === 'deflate' ? inflateAsync : undefined;
  if (!decode) {
    throw new EngineError(
      'INVALID_ARG',
      `unsupported Content-Encoding ${quote(encoding)} in ${what}: expected gzip, deflate or identity`,
    );
  }
  try {
    return await decode(body, { maxOutputLength: limit });
  } catch (e) {
    if (e instanceof RangeError && (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw tooLarge(limit);
    const detail = e instanceof Error ? e.message : String(e);
    throw new EngineError(
      'INVALID_ARG',
      `failed to decompress the ${enc} body of ${what}: ${detail}`,
      { cause: e },
    );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads an optional JSON object body (repository index, load, unload). An empty body is
 * `undefined`; anything but a JSON object is INVALID_ARG naming `what`.
 *
 * @example
 * const body = await readJsonObject(c, limit, "load request for model 'simple'");
 */
export async function readJsonObject(
  c: ServerContext,
  limit: number,
  what: string,
): Promise<Record<string, unknown> | undefined> {
  const bytes = await readBody(c, limit);
  let parsed: unknown;
  try {
    const text = utf8.decode(bytes);
    if (text.trim() === '') return undefined;
    parsed = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new EngineError('INVALID_ARG', `failed to parse the JSON body of ${what}: ${detail}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new EngineError(
      'INVALID_ARG',
      `the body of ${what} must be a JSON object, got ${jsonKind(parsed)}`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The JSON kind of a value for error messages: `array`, `null`, `string`, ... */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  return Array.isArray(v) ? 'array' : typeof v;
}
