/**
 * The generator's senders: each sends one prepared request and reports how it ended. One per
 * worker; the raw client (default) or `node:http` with a keep-alive Agent.
 *
 * @module
 */
import http from 'node:http';
import { GrpcInferClient } from '../../server/grpc/infer-client.js';
import { RawConnection, serializePost } from './raw-client.js';
import type { PreparedRequest } from './request-body.js';

/** Sends the next prepared request; `done` gets undefined on a 2xx, else what went wrong. */
export type Sender = (done: (error: string | undefined) => void) => void;

/** Which HTTP client the generator uses. */
export type LoadClient = 'raw' | 'http';

/** Senders for every worker, and how to release the connections they hold. */
export interface SenderPool {
  readonly senders: readonly Sender[];
  close(): void;
}

/** Cycles through `items`, one per call. */
function rotation<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new RangeError('at least one prepared request is needed');
  let i = 0;
  return () => {
    const item = items[i]!;
    i = (i + 1) % items.length;
    return item;
  };
}

function httpSender(base: http.RequestOptions, next: () => PreparedRequest): Sender {
  return done => {
    const { body, headers } = next();
    const options = { ...base, headers: { ...headers, 'content-length': String(body.byteLength) } };
    const req = http.request(options, res => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.on('end', () => done(undefined));
        res.resume();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        done(`HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`),
      );
    });
    req.on('error', (e: Error) => done(e.message));
    req.end(body);
  };
}

function rawSender(conn: RawConnection, next: () => Buffer): Sender {
  return done =>
    conn.send(next(), (err, res) => {
      if (err) return done(err.message);
      const status = res?.status ?? 0;
      done(status >= 200 && status < 300 ? undefined : `HTTP ${status}: ${res?.errorText ?? ''}`);
    });
}

/**
 * Senders calling ModelInfer with `requests` (serialized ModelInferRequests) in turn, all on
 * one channel: grpc-js multiplexes the workers' calls over one HTTP/2 connection, as
 * perf_analyzer's gRPC client does by default.
 */
function grpcSenders(url: URL, requests: readonly PreparedRequest[], count: number): SenderPool {
  const client = new GrpcInferClient(url.host);
  const next = rotation(requests.map(r => r.body));
  const send: Sender = done => client.inferBytes(next(), done);
  return { senders: Array.from({ length: count }, () => send), close: () => client.close() };
}

/**
 * One sender per worker for `count` workers posting `requests` (in turn) to `url`; for a
 * `grpc://host:port` URL, calling ModelInfer instead (`client` does not apply).
 *
 * @example
 * const pool = createSenders(url, [request], 8, 'raw');
 * pool.senders[0]?.(error => console.log(error ?? 'ok'));
 */
export function createSenders(
  url: URL,
  requests: readonly PreparedRequest[],
  count: number,
  client: LoadClient,
): SenderPool {
  if (url.protocol === 'grpc:') return grpcSenders(url, requests, count);
  if (client === 'http') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: count });
    const path = url.pathname + url.search;
    const base: http.RequestOptions = {
      host: url.hostname,
      port: url.port,
      path,
      method: 'POST',
      agent,
    };
    const send = httpSender(base, rotation(requests));
    return { senders: Array.from({ length: count }, () => send), close: () => agent.destroy() };
  }
  const serialized = requests.map(r => serializePost(url, r.body, r.headers));
  const port = Number(url.port || 80);
  // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const conns = Array.from({ length: count }, () => new RawConnection(host, port));
  return {
    senders: conns.map(c => rawSender(c, rotation(serialized))),
    close: () => conns.forEach(c => c.close()),
  };
}
