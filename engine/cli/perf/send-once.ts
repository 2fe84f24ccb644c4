/**
 * One request with its whole response, for checking an endpoint before loading it and for
 * reading metadata and statistics around a measurement.
 *
 * @module
 */
import http from 'node:http';

/** One response read to the end. */
export interface OnceResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Sends one request (POST with a body, GET without) on a fresh connection and returns the whole
 * response. Rejects when the connection fails or no response has begun within `timeoutMs`.
 *
 * @example
 * const res = await sendOnce('http://127.0.0.1:8000/v2/models/simple/infer', body);
 */
export function sendOnce(
  url: string,
  body?: Uint8Array,
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 30_000,
): Promise<OnceResponse> {
  const u = new URL(url);
  const allHeaders = body ? { ...headers, 'content-length': String(body.byteLength) } : headers;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: body ? 'POST' : 'GET',
        headers: allHeaders,
        // Node's global agent keeps connections alive; a one-off request should not hold one.
        agent: false,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ status, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // The socket's idle timeout, so a server that never answers cannot hang a measurement.
    req.setTimeout(timeoutMs, () => {
      req.destroy(new Error(`no response from ${u.origin} within ${timeoutMs} ms`));
    });
    req.end(body);
  });
}
