import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One server line of haproxy's statistics (`/stats;csv`), with the columns the tests read. */
export interface ServerStat {
  readonly backend: string;
  readonly server: string;
  /** `UP`, `DOWN`, `UP 1/2` (going up), `DOWN 1/3` (going down), `MAINT`, `no check`. */
  readonly status: string;
  /** Responses with a 2xx status that this server returned. */
  readonly responses2xx: number;
  /** Failed health checks so far. */
  readonly checkFailures: number;
  /** Requests retried (`wretr`) and redispatched to another server (`wredis`). */
  readonly retries: number;
  readonly redispatches: number;
}

export interface Haproxy {
  /** Base URL of each frontend, by the name given in {@link HaproxyOptions.frontends}. */
  readonly urls: Readonly<Record<string, string>>;
  /** The configuration file haproxy runs with, for error messages and the README. */
  readonly config: string;
  stats(): Promise<ServerStat[]>;
  stop(): Promise<void>;
}

export interface HaproxyOptions {
  /** Frontend name → ports of the replicas its backend balances over. */
  readonly frontends: Readonly<Record<string, readonly number[]>>;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise(resolve => srv.close(resolve));
  return port;
}

/**
 * haproxy in front of Braid replicas, configured as README "Deploying" recommends: health checks
 * on /v2/health/ready; a request that could not be delivered (connection refused, connection
 * closed with no answer) or that a replica refused with 503 (draining, queue full) is retried on
 * another replica. Inference is stateless, so replaying it is safe; see README for why.
 */
export function haproxyConfig(
  frontends: Readonly<Record<string, { port: number; servers: readonly number[] }>>,
  statsPort: number,
): string {
  const lines = [
    'global',
    '  nbthread 1',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout check 2s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response 503',
    'listen stats',
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
  ];
  for (const [name, { port, servers }] of Object.entries(frontends)) {
    lines.push(
      `frontend ${name}`,
      `  bind 127.0.0.1:${port}`,
      `  default_backend ${name}_replicas`,
      `backend ${name}_replicas`,
      '  balance leastconn',
      // haproxy's default check is HTTP/1.0 with no Host header, which Braid answers too.
      '  option httpchk',
      '  http-check send meth GET uri /v2/health/ready',
      '  http-check expect status 200',
      // A replica reports not ready while a new version loads (strict readiness, as in Triton):
      // only five misses in a row take it out, so replicas loading at once never empty the pool.
      '  default-server check inter 200ms fall 5 rise 2',
      ...servers.map((p, i) => `  server r${i + 1} 127.0.0.1:${p}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Starts haproxy in the foreground on free loopback ports and resolves once its stats answer. */
export async function startHaproxy(binary: string, opts: HaproxyOptions): Promise<Haproxy> {
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-haproxy-'));
  const frontends: Record<string, { port: number; servers: readonly number[] }> = {};
  for (const [name, servers] of Object.entries(opts.frontends))
    frontends[name] = { port: await freePort(), servers };
  const statsPort = await freePort();
  const config = haproxyConfig(frontends, statsPort);
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(file, config);
  const child: ChildProcess = spawn(binary, ['-db', '-f', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
  const stats = async (): Promise<ServerStat[]> => parseStats(await (await fetch(statsUrl)).text());
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`haproxy exited with ${child.exitCode}: ${stderr}\n${config}`);
    }
    if ((await stats().catch(() => undefined)) !== undefined) break;
    if (i === 500) {
      await stop();
      throw new Error(`haproxy's stats did not answer: ${stderr}`);
    }
    await new Promise(r => setTimeout(r, 20));
  }
  const urls = Object.fromEntries(
    Object.entries(frontends).map(([name, f]) => [name, `http://127.0.0.1:${f.port}`]),
  );
  return { urls, config, stats, stop };
}

function parseStats(csv: string): ServerStat[] {
  const [header, ...rows] = csv.trim().split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const at = (cells: string[], name: string): string => cells[columns.indexOf(name)] ?? '';
  return rows
    .map(r => r.split(','))
    .filter(
      cells =>
        !['FRONTEND', 'BACKEND'].includes(at(cells, 'svname')) && at(cells, 'pxname') !== 'stats',
    )
    .map(cells => ({
      backend: at(cells, 'pxname'),
      server: at(cells, 'svname'),
      status: at(cells, 'status'),
      responses2xx: Number(at(cells, 'hrsp_2xx')),
      checkFailures: Number(at(cells, 'chkfail')),
      retries: Number(at(cells, 'wretr')),
      redispatches: Number(at(cells, 'wredis')),
    }));
}
