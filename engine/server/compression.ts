/**
 * @module
 * Response compression negotiated from `Accept-Encoding` (gzip or deflate, as Triton offers).
 */
import { promisify } from 'node:util';
import { constants, deflate, gzip } from 'node:zlib';
import type { InputType, ZlibOptions } from 'node:zlib';

/** A response encoding the server produces. */
export type ResponseEncoding = 'gzip' | 'deflate';

/**
 * Bodies smaller than this go out uncompressed: gzip adds about 18 bytes of framing, tiny JSON
 * bodies barely shrink, and they already fit in one TCP segment, so compressing them would only
 * add CPU time and latency.
 */
export const MIN_COMPRESS_BYTES = 1024;

const gzipAsync = promisify<InputType, ZlibOptions, Buffer>(gzip);
const deflateAsync = promisify<InputType, ZlibOptions, Buffer>(deflate);

// Tensor payloads are mostly numbers that compress little at any level; the fastest level keeps
// most of the gain at a fraction of the CPU time on the serving path.
const ZLIB_OPTIONS: ZlibOptions = { level: constants.Z_BEST_SPEED };

/**
 * Picks the response encoding from an `Accept-Encoding` header: gzip when acceptable, else
 * deflate, else none. Codings with `q=0` are refused; `*` accepts gzip.
 *
 * @example
 * negotiateEncoding('deflate, gzip;q=0.5'); // 'gzip'
 * negotiateEncoding('br'); // undefined
 */
export function negotiateEncoding(accept: string | undefined): ResponseEncoding | undefined {
  if (!accept) return undefined;
  const accepted = new Set<string>();
  for (const part of accept.split(',')) {
    const [token = '', ...params] = part.split(';');
    const q = params.map(p => p.trim()).find(p => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    accepted.add(token.trim().toLowerCase());
  }
  if (accepted.has('gzip') || accepted.has('x-gzip') || accepted.has('*')) return 'gzip';
  return accepted.has('deflate') ? 'deflate' : undefined;
}

/**
 * Compresses a response body off the event loop (zlib's thread pool).
 *
 * @example
 * const gz = await compressBody(body, 'gzip');
 */
export function compressBody(body: Uint8Array, encoding: ResponseEncoding): Promise<Buffer> {
  return encoding === 'gzip' ? gzipAsync(body, ZLIB_OPTIONS) : deflateAsync(body, ZLIB_OPTIONS);
}
