import { describe, expect, it } from 'vitest';
import { parsePerfFlags } from '../../../../engine/cli/perf/flags.js';
import { createProgress, progressLine } from '../../../../engine/cli/perf/progress.js';

describe('parsePerfFlags', () => {
  it('takes perf_analyzer flag names and fills the defaults', () => {
    const cmd = parsePerfFlags([
      '-m',
      'simple',
      '-u',
      'localhost:9000',
      '-b',
      '4',
      '--concurrency-range',
      '1:8:2',
      '--shape',
      'x:3,4',
      '-p',
      '300',
      '--percentile',
      '95',
      '--json',
      '-f',
      'out.csv',
    ]);
    expect(cmd.perf).toMatchObject({
      url: 'localhost:9000',
      model: 'simple',
      batchSize: 4,
      encoding: 'json',
      mode: 'concurrency',
      range: { start: 1, end: 8, step: 2 },
      windowMs: 300,
      stabilityPercentage: 10,
      maxTrials: 10,
      percentile: 95,
      client: 'raw',
    });
    expect([...cmd.perf.shapes!]).toEqual([['x', [3, 4]]]);
    expect(cmd).toMatchObject({
      inputData: 'random',
      format: 'table',
      outFile: 'out.csv',
      selfTest: false,
    });
  });

  it('speaks gRPC with -i grpc (or --protocol GRPC), on port 8001 unless -u says otherwise', () => {
    const grpc = parsePerfFlags(['-m', 'simple', '-i', 'grpc']).perf;
    expect(grpc).toMatchObject({ protocol: 'grpc', url: 'localhost:8001' });
    const upper = parsePerfFlags(['-m', 'simple', '--protocol', 'GRPC', '-u', 'h:9']).perf;
    expect(upper).toMatchObject({ protocol: 'grpc', url: 'h:9' });
    expect(parsePerfFlags(['-m', 'simple']).perf).toMatchObject({
      protocol: 'http',
      url: 'http://localhost:8000',
    });
    expect(() => parsePerfFlags(['-m', 'simple', '-i', 'quic'])).toThrow(
      "-i/--protocol must be http, grpc, got 'quic'",
    );
    expect(() => parsePerfFlags(['-m', 'simple', '-i', 'grpc', '--json'])).toThrow(
      '--json applies to HTTP only',
    );
  });

  it('switches to a request-rate sweep', () => {
    const cmd = parsePerfFlags([
      '-m',
      'm',
      '--request-rate-range',
      '100:300:100',
      '--request-distribution',
      'poisson',
    ]);
    expect(cmd.perf).toMatchObject({
      mode: 'rate',
      range: { start: 100, end: 300, step: 100 },
      distribution: 'poisson',
    });
  });

  it.each([
    [[], '-m/--model-name is required'],
    [['-m', 'm', '--concurrency-range', '2', '--request-rate-range', '5'], 'not both'],
    [['-m', 'm', '--binary', '--json'], 'give --binary or --json, not both'],
    [['-m', 'm', '-b', '0'], "-b/--batch-size must be an integer >= 1, got '0'"],
    [['-m', 'm', '--format', 'xml'], "--format must be table, json, csv, got 'xml'"],
    [['-m', 'm', '--percentile', '100'], '--percentile must be in [1, 99]'],
    [['-m', 'm', '--bogus'], "Unknown option '--bogus'"],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parsePerfFlags(argv)).toThrow(message);
  });

  it('needs no model for --self-test or --help', () => {
    expect(parsePerfFlags(['--self-test']).selfTest).toBe(true);
    expect(parsePerfFlags(['-h']).help).toBe(true);
  });
});

describe('progress', () => {
  const p = {
    level: { kind: 'rate', value: 50 },
    trial: 3,
    maxTrials: 10,
    throughput: 49.5,
    latencyMs: 2.25,
    stable: true,
  } as const;

  it('describes the window just measured', () => {
    expect(progressLine(p)).toBe('rate 50/s: window 3/10, 49.5 infer/s, latency 2.250 ms, stable');
  });

  it('rewrites one line on a terminal and writes nothing elsewhere', () => {
    const written: string[] = [];
    const tty = createProgress({ isTTY: true, write: s => written.push(s) });
    tty.onWindow(p);
    tty.done();
    expect(written).toEqual([`\r\x1b[2K${progressLine(p)}`, '\r\x1b[2K']);
    const piped: string[] = [];
    const quiet = createProgress({ write: s => piped.push(s) });
    quiet.onWindow(p);
    quiet.done();
    expect(piped).toEqual([]);
  });
});
