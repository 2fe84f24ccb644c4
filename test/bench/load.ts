/**
 * A closed-loop HTTP load generator for the benchmarks: N workers, each owning one keep-alive
 * connection, send a prepared body back to back (optionally paced to a total rate) for a fixed
 * window after a warm-up, and record every latency into a preallocated array. Latency runs
 * from the moment a request is written to the moment its response has been read to the end.
 *
 * @module
 */
import http from 'node:http';
import { RawConnection, serializePost } from './raw-client.js';

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Full URL of the endpoint, e.g. `http://127.0.0.1:8000/v2/models/simple/infer`. */
  readonly url: string;
  /** The request body, sent unchanged by every request. */
  readonly body: Uint8Array;
  /** Extra request headers; `content-length` is set from the body. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Concurrent workers, each with its own keep-alive connection. */
  readonly concurrency: number;
  /** Length of the measured window. */
  readonly durationMs: number;
  /** Load sent before the window opens and not recorded. Default 1000. */
  readonly warmupMs?: number;
  /** Caps the total send rate (requests/s over all workers). Default: no cap. */
  readonly ratePerSec?: number;
  /** Latency array capacity; completions beyond it are counted, not sampled. Default 2^21. */
  readonly maxSamples?: number;
  /** How many error messages to keep. Default 5. */
  readonly keepErrors?: number;
  /**
   * `raw` (default): one {@link RawConnection} per worker, the request serialized once.
   * `http`: `node:http` with a keep-alive Agent (maxSockets = concurrency), about 3× the client
   * CPU per request (≈30 µs against ≈10 µs on the 2-core reference machine); kept to
   * cross-check the raw client.
   */
  readonly client?: 'raw' | 'http';
}

/** What {@link runLoad} measured inside its window. Latencies are in milliseconds. */
export interface LoadResult {
  /** Successful (2xx) responses completed inside the window. */
  readonly requests: number;
  /** Non-2xx responses and transport failures inside the window, with the first few messages. */
  readonly errors: { readonly count: number; readonly messages: readonly string[] };
  readonly durationS: number;
  /** `requests / durationS`. */
  readonly throughput: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  /** Every request sent, warm-up included (for per-request costs measured around the whole run). */
  readonly sent: number;
  /** CPU time the generator's process spent per request (user + system, µs), warm-up included. */
  readonly clientCpuUsPerRequest: number;
}

/** Latency summary of a sample, in the sample's unit. */
export interface LatencySummary {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
}

interface RunState {
  readonly base: bigint;
  readonly windowStartNs: number;
  readonly windowEndNs: number;
  readonly intervalNs: number;
  nextSendNs: number;
  readonly samples: Float64Array;
  sampled: number;
  requests: number;
  errors: number;
  readonly messages: string[];
  readonly keepErrors: number;
}

/** Sends the prepared request once; `done` gets undefined on a 2xx, else what went wrong. */
type Sender = (done: (error: string | undefined) => void) => void;

const NS_PER_MS = 1e6;

/**
 * Nearest-rank percentiles and the mean of the first `n` values of `values` (which is left
 * untouched). An empty sample gives NaN everywhere.
 *
 * @example
 * summarize(Float64Array.of(3, 1, 2), 3); // { p50: 2, p90: 3, p99: 3, mean: 2 }
 */
export function summarize(values: Float64Array, n: number = values.length): LatencySummary {
  if (n === 0) return { p50: NaN, p90: NaN, p99: NaN, mean: NaN };
  const sorted = values.slice(0, n).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const rank = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))]!;
  return { p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), mean: sum / n };
}

function elapsedNs(base: bigint): number {
  return Number(process.hrtime.bigint() - base);
}

function record(s: RunState, startNs: number, error: string | undefined): void {
  const endNs = elapsedNs(s.base);
  if (endNs < s.windowStartNs || endNs > s.windowEndNs) return;
  if (error !== undefined) {
    s.errors++;
    if (s.messages.length < s.keepErrors) s.messages.push(error);
    return;
  }
  s.requests++;
  if (s.sampled < s.samples.length) s.samples[s.sampled++] = (endNs - startNs) / NS_PER_MS;
}

function httpSender(request: http.RequestOptions, body: Uint8Array): Sender {
  return done => {
    const req = http.request(request, res => {
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        res.on('end', () => done(undefined));
        res.resume();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        done(`HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 200)}`);
      });
    });
    req.on('error', (e: Error) => done(e.message));
    req.end(body);
  };
}

function rawSender(conn: RawConnection, bytes: Buffer): Sender {
  return done =>
    conn.send(bytes, (err, res) => {
      if (err) return done(err.message);
      const status = res?.status ?? 0;
      done(status >= 200 && status < 300 ? undefined : `HTTP ${status}: ${res?.errorText ?? ''}`);
    });
}

function counted(send: Sender, onSend: () => void): Sender {
  return done => {
    onSend();
    send(done);
  };
}

/** Delay before the next send is allowed under the rate cap (0 without one). */
function paceDelayMs(s: RunState, nowNs: number): number {
  if (s.intervalNs === 0) return 0;
  const at = s.nextSendNs;
  // A worker that falls behind does not burst to catch up: the next slot follows from now.
  s.nextSendNs = Math.max(at, nowNs) + s.intervalNs;
  return at > nowNs ? (at - nowNs) / NS_PER_MS : 0;
}

function runWorker(s: RunState, send: Sender): Promise<void> {
  return new Promise(resolve => {
    const fire = (): void => {
      const startNs = elapsedNs(s.base);
      send(error => {
        record(s, startNs, error);
        // A refused connection fails at once; yield so the loop cannot starve the event loop.
        if (error === undefined) next();
        else setImmediate(next);
      });
    };
    const next = (): void => {
      const nowNs = elapsedNs(s.base);
      if (nowNs >= s.windowEndNs) return resolve();
      const delay = paceDelayMs(s, nowNs);
      if (delay === 0) return fire();
      // A slot reserved before the window closed is dropped if it falls after it.
      setTimeout(() => (elapsedNs(s.base) >= s.windowEndNs ? resolve() : fire()), delay);
    };
    next();
  });
}

function createState(opts: LoadOptions): RunState {
  const warmupNs = (opts.warmupMs ?? 1000) * NS_PER_MS;
  const rate = opts.ratePerSec;
  if (rate !== undefined && !(rate > 0)) throw new Error(`ratePerSec must be > 0, got ${rate}`);
  return {
    base: process.hrtime.bigint(),
    windowStartNs: warmupNs,
    windowEndNs: warmupNs + opts.durationMs * NS_PER_MS,
    intervalNs: rate === undefined ? 0 : 1e9 / rate,
    nextSendNs: 0,
    samples: new Float64Array(opts.maxSamples ?? 2 ** 21),
    sampled: 0,
    requests: 0,
    errors: 0,
    messages: [],
    keepErrors: opts.keepErrors ?? 5,
  };
}

/** One sender per worker, and how to release what they hold. */
function createSenders(opts: LoadOptions): { senders: Sender[]; close: () => void } {
  const url = new URL(opts.url);
  const headers = opts.headers ?? {};
  if (opts.client === 'http') {
    const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
    const request: http.RequestOptions = {
      host: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      method: 'POST',
      headers: { ...headers, 'content-length': String(opts.body.byteLength) },
      agent,
    };
    const send = httpSender(request, opts.body);
    const senders = Array.from({ length: opts.concurrency }, () => send);
    return { senders, close: () => agent.destroy() };
  }
  const bytes = serializePost(url, opts.body, headers);
  const port = Number(url.port);
  const connect = () => new RawConnection(url.hostname, port);
  const conns = Array.from({ length: opts.concurrency }, connect);
  return {
    senders: conns.map(c => rawSender(c, bytes)),
    close: () => conns.forEach(c => c.close()),
  };
}

/**
 * Runs closed-loop load against `opts.url` and resolves with what happened inside the measured
 * window. Non-2xx responses count as errors, never as requests.
 *
 * @example
 * const r = await runLoad({ url, body, concurrency: 32, durationMs: 5000 });
 * console.log(`${r.throughput.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms`);
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  if (!(opts.concurrency >= 1)) {
    throw new Error(`concurrency must be >= 1, got ${opts.concurrency}`);
  }
  const { senders, close } = createSenders(opts);
  try {
    const s = createState(opts);
    const cpu0 = process.cpuUsage();
    let sent = 0;
    await Promise.all(senders.map(send => runWorker(s, counted(send, () => sent++))));
    const cpu = process.cpuUsage(cpu0);
    const durationS = (s.windowEndNs - s.windowStartNs) / 1e9;
    return {
      requests: s.requests,
      errors: { count: s.errors, messages: s.messages },
      durationS,
      throughput: s.requests / durationS,
      ...summarize(s.samples, s.sampled),
      sent,
      clientCpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, sent),
    };
  } finally {
    close();
  }
}
