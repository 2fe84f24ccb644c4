/**
 * The load generator's own ceiling: how many requests per second it completes against a
 * trivial HTTP server (a fixed 2-byte answer) in a child process. A measurement close to it
 * says more about the generator than about the server.
 *
 * @module
 */
import { startChildServer } from '../child-server.js';
import { cliClock } from './cli-clock.js';
import { startLoad } from './load-session.js';
import { summarize } from './percentiles.js';
import type { LoadClient } from './senders.js';

/** What the self-test measured. */
export interface SelfTestResult {
  readonly concurrency: number;
  readonly client: LoadClient;
  /** Requests per second against the trivial server: the generator's ceiling on this machine. */
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The generator's event-loop utilization (0–1) and CPU per request (µs). */
  readonly eventLoopUtilization: number;
  readonly cpuUsPerRequest: number;
}

/** Options of {@link runSelfTest}. */
export interface SelfTestOptions {
  readonly concurrency?: number;
  readonly windowMs?: number;
  readonly warmupMs?: number;
  readonly client?: LoadClient;
}

// CommonJS for `node -e`: the smallest keep-alive server, announcing its port like braid serve.
const TRIVIAL_SERVER = `
const http = require('node:http');
const ok = Buffer.from('ok');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-length': 2 }); res.end(ok); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ msg: 'Started HTTPService', port: server.address().port }) + '\\n');
});
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * Measures the generator against a trivial server and returns its ceiling.
 *
 * @example
 * const { requestsPerSec } = await runSelfTest({ concurrency: 32 });
 */
export async function runSelfTest(opts: SelfTestOptions = {}): Promise<SelfTestResult> {
  const concurrency = opts.concurrency ?? 32;
  const client = opts.client ?? 'raw';
  const server = await startChildServer({
    name: 'trivial server',
    nodeArgs: ['-e', TRIVIAL_SERVER],
  });
  try {
    const request = {
      body: Buffer.from('{"inputs":[]}'),
      headers: { 'content-type': 'application/json' },
    };
    const load = startLoad({
      url: `${server.origin}/`,
      requests: [request],
      concurrency,
      client,
      clock: cliClock,
    });
    try {
      await load.idle(opts.warmupMs ?? 500);
      const w = await load.window(opts.windowMs ?? 3000);
      const s = summarize(w.latencies);
      return {
        concurrency,
        client,
        requestsPerSec: w.throughput,
        p50Ms: s.p50,
        p99Ms: s.p99,
        eventLoopUtilization: w.eventLoopUtilization,
        cpuUsPerRequest: w.clientCpuUs / Math.max(1, w.sent),
      };
    } finally {
      await load.stop();
    }
  } finally {
    await server.stop();
  }
}

/**
 * The self-test result as a sentence.
 *
 * @example
 * formatSelfTest(result); // 'load generator ceiling: 41000 requests/s ...'
 */
export function formatSelfTest(r: SelfTestResult): string {
  return (
    `load generator ceiling: ${r.requestsPerSec.toFixed(0)} requests/s at concurrency ${r.concurrency} ` +
    `(${r.client} client) against a trivial HTTP server in a child process; p50 ${r.p50Ms.toFixed(3)} ms, ` +
    `p99 ${r.p99Ms.toFixed(3)} ms; generator event loop ${(r.eventLoopUtilization * 100).toFixed(0)} % busy, ` +
    `${r.cpuUsPerRequest.toFixed(1)} µs CPU per request.\n` +
    `Measurements above ~${(0.7 * r.requestsPerSec).toFixed(0)} requests/s (70 %) may be limited by the generator.\n`
  );
}
