/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and lists where the time went:
 * functions by self time, and the same time grouped by source area (engine/server,
 * node:http internals, onnxruntime, garbage collection...). Also runnable:
 * `tsx test/bench/profile-summary.ts FILE.cpuprofile [top]`.
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One row of a summary: a function or an area, and its share of the sampled time. */
export interface ProfileRow {
  readonly label: string;
  readonly ms: number;
  readonly percent: number;
}

/** Self time by function and by area, busiest first. */
export interface ProfileSummary {
  readonly totalMs: number;
  /** Time spent idle (waiting in the event loop), excluded from the percentages. */
  readonly idleMs: number;
  readonly functions: readonly ProfileRow[];
  readonly areas: readonly ProfileRow[];
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

/** The source area a frame belongs to, for the grouped view. */
function area(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:_')) return 'node:' + url.slice(6).split('_')[0]!;
  if (url.startsWith('node:'))
    return url
      .split('/')
      .slice(0, 2)
      .join('/')
      .replace(/_[^/]*$/, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/dist\/([^/]+\/[^/]+)/.exec(url) ?? /\/work\/[^/]+\/([^/]+\/[^/]+)/.exec(url);
  return own ? own[1]! : url;
}

function rows(map: Map<string, number>, busyMs: number, top: number): ProfileRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([label, ms]) => ({ label, ms, percent: (100 * ms) / busyMs }));
}

/**
 * Summarizes a parsed profile.
 *
 * @example
 * const s = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')), 15);
 */
export function summarizeProfile(profile: CpuProfile, top = 20): ProfileSummary {
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const ms = us / 1000;
    totalMs += ms;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const where = frame.url === '' ? '' : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const label = `${frame.functionName || '(anonymous)'}${where}`;
    fns.set(label, (fns.get(label) ?? 0) + ms);
    areas.set(area(frame), (areas.get(area(frame)) ?? 0) + ms);
  }
  const busyMs = Math.max(1e-9, totalMs - idleMs);
  return { totalMs, idleMs, functions: rows(fns, busyMs, top), areas: rows(areas, busyMs, top) };
}

/**
 * Formats a summary as two text tables (self time by function, then by area).
 *
 * @example
 * process.stdout.write(formatProfile(summarizeProfile(profile)));
 */
export function formatProfile(s: ProfileSummary): string {
  const line = (r: ProfileRow) =>
    `  ${r.percent.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.label}`;
  const busy = s.totalMs - s.idleMs;
  return [
    `CPU profile: ${busy.toFixed(0)} ms busy, ${s.idleMs.toFixed(0)} ms idle ` +
      '(percentages of busy time)',
    'Self time by function:',
    ...s.functions.map(line),
    ...(s.areas.length === 0 ? [] : ['Self time by area:', ...s.areas.map(line)]),
    '',
  ].join('\n');
}

/**
 * Reads and summarizes a `.cpuprofile` file.
 *
 * @example
 * process.stdout.write(formatProfile(readProfile('server.cpuprofile')));
 */
export function readProfile(file: string, top = 20): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, top);
}

/**
 * Thread id in a `--cpu-prof` file name (`CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`);
 * 0 is the main thread.
 */
function threadOf(file: string): number {
  const parts = file.split('.');
  return Number(parts[parts.length - 3]);
}

/**
 * Formats every profile `--cpu-prof` wrote into `dir`: the main thread's in full (`top` rows),
 * each worker thread's busiest `workerTop` functions. Returns the text and the files read.
 *
 * @example
 * process.stdout.write(formatProfileDir('test/bench/.results/profiles/http-1').text);
 */
export function formatProfileDir(
  dir: string,
  top = 25,
  workerTop = 6,
): { text: string; files: string[] } {
  const files = readdirSync(dir)
    .filter(f => f.endsWith('.cpuprofile'))
    .sort((a, b) => threadOf(a) - threadOf(b))
    .map(f => join(dir, f));
  const text = files
    .map(f => {
      const main = threadOf(f) === 0;
      const s = readProfile(f, main ? top : workerTop);
      const shown = main ? s : { ...s, areas: [] };
      const thread = main ? 'main thread' : `worker thread ${threadOf(f)}`;
      return `${thread}: ${f}\n${formatProfile(shown)}`;
    })
    .join('\n');
  return { text, files };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: profile-summary.ts FILE.cpuprofile [top]\n');
    process.exit(2);
  }
  process.stdout.write(formatProfile(readProfile(file, top === undefined ? 20 : Number(top))));
}
