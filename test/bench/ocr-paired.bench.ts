/**
 * `npm run bench:ocr-paired -- --baseline DIR`: the `ocr` pipeline at concurrency 8 served by this
 * checkout and by another one (DIR: a checkout of an older revision, built, with node_modules),
 * each from its own examples/model_repository, in paired rounds whose order alternates, so that
 * a busy or throttled machine slows both sides alike. Prints each round's images/s and server CPU
 * per image, the medians, and this checkout's images/s over the baseline's. Flags: --rounds N
 * (default 4), --duration-ms N (default 12000), --warmup-ms N (default 4000), --concurrency N
 * (default 8).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cliClock } from '../../engine/cli/perf/cli-clock.js';
import { startLoad } from '../../engine/cli/perf/load-session.js';
import { requireBuild, writeResults } from './bench-case.js';
import { REPO_ROOT, startChild } from './child-server.js';
import { checkedRequests, ocrInput } from './ocr-load.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '4' },
    'duration-ms': { type: 'string', default: '12000' },
    'warmup-ms': { type: 'string', default: '4000' },
    concurrency: { type: 'string', default: '8' },
  },
});

/** One side's measured window. */
interface Side {
  readonly imagesPerS: number;
  readonly cpuMsPerImage: number;
}

const positive = (flag: string, raw: string | undefined): number => {
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`--${flag} must be a positive number, got '${raw ?? ''}'`);
  return n;
};

function checkout(dir: string): string {
  const main = path.join(dir, 'dist', 'engine', 'cli', 'main.js');
  if (!existsSync(main))
    throw new Error(
      `--baseline ${dir}: no ${path.relative(dir, main)}; make one with ` +
        `'git worktree add ${dir} <rev> && ln -s "$PWD/node_modules" ${dir}/ && (cd ${dir} && npm run build)'`,
    );
  return main;
}

async function measure(main: string, root: string, opts: Record<string, number>): Promise<Side> {
  const repository = path.join(root, 'examples', 'model_repository');
  const server = await startChild({
    name: root === REPO_ROOT ? 'braid' : 'baseline',
    nodeArgs: [main, 'serve', '--model-repository', repository, '--http-port', '0'].concat([
      '--grpc-port',
      '0',
      '--log-format',
      'json',
    ]),
  });
  try {
    const requests = await checkedRequests(server, await ocrInput(server));
    const load = startLoad({
      url: `${server.origin}/v2/models/ocr/infer`,
      requests: requests.map(r => r[1]),
      concurrency: opts.concurrency!,
      client: 'raw',
      clock: cliClock,
    });
    try {
      await load.idle(opts.warmupMs!);
      const cpu0 = server.cpuMs();
      const w = await load.window(opts.durationMs!);
      if (w.errors.count > 0) throw new Error(`${w.errors.count} errors: ${w.errors.messages[0]}`);
      return {
        imagesPerS: w.throughput,
        cpuMsPerImage: (server.cpuMs() - cpu0) / Math.max(1, w.requests),
      };
    } finally {
      await load.stop();
    }
  } finally {
    await server.stop();
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function main(): Promise<void> {
  if (values.baseline === undefined) throw new Error('--baseline DIR is required');
  const baselineDir = path.resolve(values.baseline);
  const baselineMain = checkout(baselineDir);
  requireBuild();
  const opts = {
    concurrency: positive('concurrency', values.concurrency),
    durationMs: positive('duration-ms', values['duration-ms']),
    warmupMs: positive('warmup-ms', values['warmup-ms']),
  };
  const rounds = Math.round(positive('rounds', values.rounds));
  const sides = {
    braid: { main: path.join(REPO_ROOT, 'dist', 'engine', 'cli', 'main.js'), root: REPO_ROOT },
    baseline: { main: baselineMain, root: baselineDir },
  };
  const runs: { braid: Side; baseline: Side }[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['baseline', 'braid'] as const) : (['braid', 'baseline'] as const);
    const round: Partial<Record<'braid' | 'baseline', Side>> = {};
    for (const name of order) round[name] = await measure(sides[name].main, sides[name].root, opts);
    const { braid, baseline } = round as { braid: Side; baseline: Side };
    runs.push({ braid, baseline });
    process.stdout.write(
      `round ${r + 1}: braid ${braid.imagesPerS.toFixed(2)} images/s (${braid.cpuMsPerImage.toFixed(0)} ms CPU/image), ` +
        `baseline ${baseline.imagesPerS.toFixed(2)} (${baseline.cpuMsPerImage.toFixed(0)}): ${(braid.imagesPerS / baseline.imagesPerS).toFixed(2)}x\n`,
    );
  }
  const m = (side: 'braid' | 'baseline', k: keyof Side) => median(runs.map(r => r[side][k]));
  const ratio = m('braid', 'imagesPerS') / m('baseline', 'imagesPerS');
  process.stdout.write(
    `\nconcurrency ${opts.concurrency}, median of ${rounds} paired rounds: braid ${m('braid', 'imagesPerS').toFixed(2)} images/s, ` +
      `baseline (${path.basename(baselineDir)}) ${m('baseline', 'imagesPerS').toFixed(2)}: ${ratio.toFixed(2)}x; ` +
      `CPU per image ${m('braid', 'cpuMsPerImage').toFixed(0)} ms against ${m('baseline', 'cpuMsPerImage').toFixed(0)}\n`,
  );
  const file = writeResults('ocr-paired', { baseline: baselineDir, opts, rounds: runs, ratio });
  process.stdout.write(`results: ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:ocr-paired failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
