import { request } from 'node:http';
import type { ClientRequest, Agent } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A response read completely from a real socket. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Options of {@link send}. */
export interface SendOptions {
  readonly method?: string;
  /** Sent with Content-Length; an array is sent chunked, without it. */
  readonly body?: string | readonly string[];
  readonly headers?: Record<string, string>;
  readonly agent?: Agent;
  /** Receives the client request, e.g. to destroy it mid-flight. */
  readonly onRequest?: (req: ClientRequest) => void;
}

/** Sends one HTTP/1.1 request to 127.0.0.1:`port` and reads the whole answer. */
export function send(port: number, path: string, opts: SendOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        agent: opts.agent,
        headers: opts.headers,
      },
      res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    opts.onRequest?.(req);
    if (typeof opts.body === 'string' || opts.body === undefined) {
      req.end(opts.body);
      return;
    }
    for (const chunk of opts.body) req.write(chunk);
    req.end();
  });
}

/** A raw TCP exchange with the server: what was sent, and everything received until it closed. */
export interface RawExchange {
  readonly socket: Socket;
  /** Everything the server sent, once it ended or closed the connection (or the connection failed). */
  readonly received: Promise<string>;
}

/**
 * Opens a plain TCP connection to 127.0.0.1:`port` and writes `text` (a hand-written HTTP
 * request), so a test controls exactly what the client does next: half-close, stall, reset.
 */
export function rawRequest(port: number, text: string): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    let data = '';
    const received = new Promise<string>(done => {
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (data += chunk));
      // 'end': the server has sent all it will (the socket is half-open, so 'close' waits for us).
      socket.on('end', () => done(data));
      socket.on('close', () => done(data));
      // A reset after the server answered still leaves the answer to read.
      socket.on('error', () => undefined);
    });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.write(text);
      resolve({ socket, received });
    });
  });
}
