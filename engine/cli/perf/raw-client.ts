/**
 * A minimal HTTP/1.1 keep-alive client over one `net.Socket`, for the load generator of
 * `braid perf`: the request bytes are serialized once and written as one buffer, and responses
 * are framed by Content-Length or chunked encoding without building header objects. It costs a
 * fraction of `node:http`'s client per request, so the generator stays far from being the
 * bottleneck.
 *
 * @module
 */
import net from 'node:net';

/** One framed response: status code and, for non-2xx, the body text (for error messages). */
export interface RawResponse {
  readonly status: number;
  readonly errorText?: string;
}

const CRLF2 = Buffer.from('\r\n\r\n');

/**
 * Serializes a POST request once, headers and body, ready to be written repeatedly.
 *
 * @example
 * const url = new URL('http://127.0.0.1:8000/x');
 * const bytes = serializePost(url, body, { 'content-type': 'application/json' });
 */
export function serializePost(
  url: URL,
  body: Uint8Array,
  headers: Readonly<Record<string, string>>,
): Buffer {
  const lines = [
    `POST ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    `content-length: ${body.byteLength}`,
  ];
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== 'content-length') lines.push(`${k}: ${v}`);
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return Buffer.concat([head, body]);
}

interface Framing {
  readonly status: number;
  readonly headerEnd: number;
  /** Body length, or -1 for chunked. */
  readonly length: number;
}

function parseHead(buf: Buffer, end: number): Framing {
  const head = buf.toString('latin1', 0, end).toLowerCase();
  const status = Number(head.slice(9, 12));
  const cl = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (cl) return { status, headerEnd: end + 4, length: Number(cl[1]) };
  const chunked = /\r\ntransfer-encoding:[^\r]*chunked/.test(head);
  if (chunked) return { status, headerEnd: end + 4, length: -1 };
  return { status, headerEnd: end + 4, length: 0 };
}

/** End offset of a complete chunked body starting at `from`, or -1 if more bytes are needed. */
function chunkedEnd(buf: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return -1;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunk size in response');
    if (size === 0) {
      // No trailers are expected; the last chunk is followed by one empty line.
      const trailerEnd = buf.indexOf('\r\n', lineEnd + 2, 'latin1');
      return trailerEnd < 0 ? -1 : trailerEnd + 2;
    }
    at = lineEnd + 2 + size + 2;
    if (at > buf.length) return -1;
  }
}

/** The first 200 characters of a complete response body, chunk framing removed. */
function bodyText(buf: Buffer, f: Framing, end: number): string {
  if (f.length >= 0) return buf.toString('utf8', f.headerEnd, Math.min(end, f.headerEnd + 200));
  const parts: Buffer[] = [];
  let at = f.headerEnd;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at, 'latin1');
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (!(size > 0)) break;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8').slice(0, 200);
}

/**
 * A keep-alive connection that sends one prepared request at a time and reports each response.
 * Reconnects when the server closes the connection.
 */
export class RawConnection {
  readonly #host: string;
  readonly #port: number;
  #socket: net.Socket | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #framing: Framing | undefined;
  #pending: ((err: Error | undefined, res?: RawResponse) => void) | undefined;

  constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
  }

  /** Writes `request` and calls `cb` once with its response or an error. One request at a time. */
  send(request: Buffer, cb: (err: Error | undefined, res?: RawResponse) => void): void {
    if (this.#pending) throw new Error('RawConnection.send called while a request is in flight');
    this.#pending = cb;
    this.#connection().write(request);
  }

  /** Closes the connection; a request in flight fails with 'connection closed by client'. */
  close(): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    // The socket's own 'close' no longer counts once it is detached, so the waiting caller
    // (a load worker that stop() awaits) would never hear back.
    this.#finish(new Error('connection closed by client'));
  }

  #connection(): net.Socket {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = net.connect({ host: this.#host, port: this.#port, noDelay: true });
    socket.on('data', (c: Buffer) => {
      if (this.#socket === socket) this.#onData(c);
    });
    // 'error' is followed by 'close'; only the first of them, on the current socket, counts.
    socket.on('error', (e: Error) => this.#dead(socket, e));
    socket.on('close', () => this.#dead(socket, new Error('connection closed by server')));
    this.#socket = socket;
    this.#buf = Buffer.alloc(0);
    this.#framing = undefined;
    return socket;
  }

  #onData(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    try {
      if (!this.#framing) {
        const end = this.#buf.indexOf(CRLF2);
        if (end < 0) return;
        this.#framing = parseHead(this.#buf, end);
      }
      const f = this.#framing;
      const end = f.length >= 0 ? f.headerEnd + f.length : chunkedEnd(this.#buf, f.headerEnd);
      if (end < 0 || end > this.#buf.length) return;
      const ok = f.status >= 200 && f.status < 300;
      const res: RawResponse = ok
        ? { status: f.status }
        : { status: f.status, errorText: bodyText(this.#buf, f, end) };
      this.#buf = this.#buf.subarray(end);
      this.#framing = undefined;
      this.#finish(undefined, res);
    } catch (e) {
      this.close();
      this.#finish(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #dead(socket: net.Socket, err: Error): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    socket.destroy();
    this.#finish(err);
  }

  #finish(err: Error | undefined, res?: RawResponse): void {
    const cb = this.#pending;
    this.#pending = undefined;
    cb?.(err, res);
  }
}
