/**
 * The baseline of the pipeline benchmark: a client that calls several models one after
 * another over HTTP, each request carrying the output of the previous response, in a closed
 * loop of workers with one keep-alive connection each. Requests use the binary tensor
 * extension; each hop's HTTP head and JSON header are serialized once and the previous output's
 * bytes appended, so the client does what a lean real client would and little more (the same
 * spirit as the generator's raw client, engine/cli/perf/raw-client.ts, which does not return
 * response bodies).
 *
 * @module
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { LoadResult } from '../../engine/cli/perf/load.js';
import { summarize } from '../../engine/cli/perf/percentiles.js';
import { serializePost } from '../../engine/cli/perf/raw-client.js';
import { binaryInferRequest } from '../../engine/cli/perf/request-body.js';

/** One call of the chain: a model and the names of its one FP32 input and output. */
export interface ChainHop {
  readonly model: string;
  readonly input: string;
  readonly output: string;
}

/** Options of {@link runChainLoad}. */
export interface ChainLoadOptions {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly hops: readonly ChainHop[];
  /** Shape of every hop's input and output, batch included, e.g. `[1, 16]`. */
  readonly shape: readonly number[];
  /** Input of the first hop. */
  readonly input: Float32Array;
  /** Output the last hop must return; a chain that ends with other bytes counts as an error. */
  readonly expected: Float32Array;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
}

type HopDone = (error: string | undefined, output?: Buffer) => void;

const CRLF2 = Buffer.from('\r\n\r\n');

function bytesOf(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/**
 * The body of the response whose head ends at `start`, framed by Content-Length or chunked
 * encoding (braid sends its answers with a length; error pages may come chunked); undefined
 * while bytes are missing.
 */
function frameBody(
  buf: Buffer,
  start: number,
  head: string,
): { body: Buffer; end: number } | undefined | 'malformed' {
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head)?.[1];
  if (length !== undefined || !/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) {
    const end = start + Number(length ?? 0);
    return buf.length < end ? undefined : { body: buf.subarray(start, end), end };
  }
  const parts: Buffer[] = [];
  for (let at = start; ;) {
    const lineEnd = buf.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) return 'malformed';
    // No trailers are expected: the last chunk is followed by one empty line.
    const next = lineEnd + 2 + size + 2;
    if (next > buf.length) return undefined;
    if (size === 0) return { body: Buffer.concat(parts), end: next };
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = next;
  }
}

/** Reads one response at a time off a keep-alive connection; reconnects after a close. */
class HopConnection {
  readonly #host: string;
  readonly #port: number;
  #socket: net.Socket | undefined;
  #buf: Buffer = Buffer.alloc(0);
  #pending: HopDone | undefined;

  constructor(url: URL) {
    this.#host = url.hostname;
    this.#port = Number(url.port);
  }

  /** Writes one request; `done` gets the binary output of its response, or what went wrong. */
  send(bytes: Buffer, done: HopDone): void {
    this.#pending = done;
    this.#connection().write(bytes);
  }

  /** Closes the connection; a request in flight ends with an error. */
  close(): void {
    this.#fail('connection closed');
  }

  #connection(): net.Socket {
    if (this.#socket && !this.#socket.destroyed) return this.#socket;
    const socket = net.connect({ host: this.#host, port: this.#port, noDelay: true });
    socket.on('data', (c: Buffer) => {
      if (this.#socket === socket) this.#onData(c);
    });
    socket.on('error', (e: Error) => this.#dead(socket, e.message));
    socket.on('close', () => this.#dead(socket, 'connection closed by server'));
    this.#socket = socket;
    this.#buf = Buffer.alloc(0);
    return socket;
  }

  #onData(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const end = this.#buf.indexOf(CRLF2);
    if (end < 0) return;
    const head = this.#buf.toString('latin1', 0, end).toLowerCase();
    const framed = frameBody(this.#buf, end + 4, head);
    if (framed === 'malformed') return this.#fail('malformed chunked response');
    if (framed === undefined) return;
    this.#buf = this.#buf.subarray(framed.end);
    const status = Number(head.slice(9, 12));
    if (status < 200 || status >= 300) {
      return this.#finish(`HTTP ${status}: ${framed.body.toString('utf8', 0, 200)}`);
    }
    // The JSON header describes one binary output; what follows it is that output's bytes.
    const jsonLength = /\r\ninference-header-content-length:\s*(\d+)/.exec(head)?.[1];
    if (jsonLength === undefined) return this.#finish('response without binary output data');
    this.#finish(undefined, framed.body.subarray(Number(jsonLength)));
  }

  #dead(socket: net.Socket, why: string): void {
    if (this.#socket === socket) this.#fail(why);
  }

  #fail(why: string): void {
    const socket = this.#socket;
    this.#socket = undefined;
    socket?.destroy();
    this.#finish(why);
  }

  #finish(error: string | undefined, output?: Buffer): void {
    const done = this.#pending;
    this.#pending = undefined;
    done?.(error, output);
  }
}

/** What one measured window saw. */
interface Window {
  readonly openedMs: number;
  requests: number;
  errors: number;
  readonly messages: string[];
  readonly latencies: number[];
}

interface State {
  window: Window | undefined;
  sent: number;
  stopping: boolean;
}

function record(s: State, startMs: number, error: string | undefined): void {
  const w = s.window;
  if (!w) return;
  if (error === undefined) {
    w.requests++;
    w.latencies.push(performance.now() - startMs);
  } else {
    w.errors++;
    if (w.messages.length < 5) w.messages.push(error);
  }
}

/** The bytes before the input data of each hop's request, serialized once. */
function hopPrefixes(opts: ChainLoadOptions): Buffer[] {
  const bytes = opts.input.byteLength;
  return opts.hops.map(h => {
    const url = new URL(`/v2/models/${encodeURIComponent(h.model)}/infer`, opts.origin);
    const data = new Float32Array(opts.input.length);
    const input = { name: h.input, shape: opts.shape, data };
    const req = binaryInferRequest([input], [h.output], 'chain');
    const whole = serializePost(url, req.body, req.headers);
    return whole.subarray(0, whole.length - bytes);
  });
}

function runWorker(
  s: State,
  conn: HopConnection,
  opts: ChainLoadOptions,
  prefixes: readonly Buffer[],
): Promise<void> {
  const first = bytesOf(opts.input);
  const expected = bytesOf(opts.expected);
  return new Promise(resolve => {
    let startMs = 0;
    const hop = (i: number, data: Buffer): void => {
      conn.send(Buffer.concat([prefixes[i]!, data]), (error, out) => {
        if (error !== undefined || out === undefined) {
          record(s, startMs, error ?? 'no output');
          // A refused connection fails at once; yield so the loop cannot starve the event loop.
          return void setImmediate(begin);
        }
        if (i + 1 < prefixes.length) return hop(i + 1, out);
        record(s, startMs, out.equals(expected) ? undefined : 'the chain returned other values');
        begin();
      });
    };
    const begin = (): void => {
      if (s.stopping) return resolve();
      s.sent++;
      startMs = performance.now();
      hop(0, first);
    };
    begin();
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Runs the client chain closed loop: warm-up, one measured window, then stop. A "request" of
 * the result is one whole chain (all hops), its latency from the first write to the end of the
 * last response; any failed hop counts the chain as one error.
 *
 * @example
 * const hop = { model: 'a', input: 'x', output: 'y' };
 * const r = await runChainLoad({
 *   ...{ origin, hops: [hop, { ...hop, model: 'b' }], shape: [1, 16], input, expected },
 *   ...{ concurrency: 32, durationMs: 5000, warmupMs: 1000 },
 * });
 */
export async function runChainLoad(opts: ChainLoadOptions): Promise<LoadResult> {
  const prefixes = hopPrefixes(opts);
  const s: State = { window: undefined, sent: 0, stopping: false };
  const url = new URL(opts.origin);
  const conns = Array.from({ length: opts.concurrency }, () => new HopConnection(url));
  const cpu0 = process.cpuUsage();
  const workers = Promise.all(conns.map(c => runWorker(s, c, opts, prefixes)));
  await sleep(opts.warmupMs);
  const openedMs = performance.now();
  const w: Window = { openedMs, requests: 0, errors: 0, messages: [], latencies: [] };
  s.window = w;
  await sleep(opts.durationMs);
  s.window = undefined;
  const durationS = (performance.now() - w.openedMs) / 1000;
  s.stopping = true;
  // A chain still hanging after the grace period is cut off by closing its connection.
  const grace = setTimeout(() => conns.forEach(c => c.close()), 10_000);
  await workers;
  clearTimeout(grace);
  conns.forEach(c => c.close());
  const cpu = process.cpuUsage(cpu0);
  return {
    requests: w.requests,
    errors: { count: w.errors, messages: w.messages },
    durationS,
    throughput: w.requests / durationS,
    ...summarize(Float64Array.from(w.latencies)),
    sent: s.sent,
    clientCpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, s.sent),
  };
}
