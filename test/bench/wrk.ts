/**
 * wrk (the C load generator) driven from the benchmarks: a POST of a fixed body for a while at
 * a fixed number of connections, with requests/s and latency percentiles read from its report.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RESULTS_DIR } from './child-server.js';

const run = promisify(execFile);

/** One wrk run's figures. */
export interface WrkResult {
  readonly requestsPerS: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-2xx answers and socket errors together. */
  readonly errors: number;
}

/** Options of {@link wrk}. */
export interface WrkOptions {
  readonly url: string;
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
  readonly durationS: number;
  readonly threads?: number;
}

let scripts = 0;

/** Writes the Lua script that makes wrk POST `body` with `headers`. */
function script(body: Buffer, headers: Readonly<Record<string, string>>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const n = scripts++;
  const bodyFile = join(RESULTS_DIR, `wrk-body-${process.pid}-${n}.bin`);
  writeFileSync(bodyFile, body);
  const lines = [
    'wrk.method = "POST"',
    `local f = assert(io.open(${JSON.stringify(bodyFile)}, "rb"))`,
    'wrk.body = f:read("*a")',
    'f:close()',
    ...Object.entries(headers).map(
      ([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`,
    ),
  ];
  const file = join(RESULTS_DIR, `wrk-${process.pid}-${n}.lua`);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const cache = new Map<string, string>();

/**
 * Runs wrk once and parses its report.
 *
 * @example
 * const r = await wrk({ url, body, headers, connections: 32, durationS: 3 });
 */
export async function wrk(opts: WrkOptions): Promise<WrkResult> {
  const key = `${opts.body.toString('base64')}|${JSON.stringify(opts.headers)}`;
  let file = cache.get(key);
  if (!file) cache.set(key, (file = script(opts.body, opts.headers)));
  const threads = Math.min(opts.threads ?? 2, opts.connections);
  const args = ['-t', String(threads), '-c', String(opts.connections), '-d', `${opts.durationS}s`];
  const { stdout } = await run('wrk', [...args, '--latency', '-s', file, opts.url]);
  return parseWrk(stdout);
}

/** Milliseconds of a wrk duration such as `812.00us`, `1.20ms` or `2.01s`. */
function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return NaN;
  const scale = { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * scale;
}

/** Reads requests/s, p50, p99 and errors from wrk's `--latency` report. */
export function parseWrk(out: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p50 = /^\s+50%\s+(\S+)/m.exec(out);
  const p99 = /^\s+99%\s+(\S+)/m.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  if (!rps) throw new Error(`wrk printed no Requests/sec:\n${out}`);
  return {
    requestsPerS: Number(rps[1]),
    p50Ms: p50 ? ms(p50[1]!) : NaN,
    p99Ms: p99 ? ms(p99[1]!) : NaN,
    errors: Number(non2xx?.[1] ?? 0) + socketErrors,
  };
}
