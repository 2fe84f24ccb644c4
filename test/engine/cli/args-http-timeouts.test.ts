// issue #10 item 8: the HTTP header and request timeouts of `braid serve`.
import { describe, expect, it } from 'vitest';
import { parseServeFlags, SERVE_HELP } from '../../../engine/cli/args.js';
import type { ServeFlags } from '../../../engine/cli/args.js';

const parse = (...argv: string[]) =>
  parseServeFlags(['--model-repository', 'models', ...argv]) as ServeFlags;

describe('--http-header-timeout-ms and --http-request-timeout-ms', () => {
  it('default to 10 s and 30 s, well under what Node allows (60 s and 300 s)', () => {
    const flags = parse();
    expect([flags.httpHeaderTimeoutMs, flags.httpRequestTimeoutMs]).toEqual([10_000, 30_000]);
  });

  it('take milliseconds, 0 meaning no limit', () => {
    const flags = parse('--http-header-timeout-ms', '250', '--http-request-timeout-ms=0');
    expect([flags.httpHeaderTimeoutMs, flags.httpRequestTimeoutMs]).toEqual([250, 0]);
  });

  it('refuse a header timeout longer than the request timeout, and non-integers', () => {
    expect(() =>
      parse('--http-header-timeout-ms', '5000', '--http-request-timeout-ms', '1000'),
    ).toThrow('--http-header-timeout-ms (5000) must not exceed --http-request-timeout-ms (1000)');
    expect(() => parse('--http-request-timeout-ms=-1')).toThrow(
      /--http-request-timeout-ms must be an integer in \[0, /,
    );
    expect(() => parse('--http-header-timeout-ms', '1.5')).toThrow(
      /--http-header-timeout-ms must be an integer/,
    );
  });

  it('are described in the help', () => {
    expect(SERVE_HELP).toMatch(/--http-header-timeout-ms N [^\n]*\n[^\n]*408/);
    expect(SERVE_HELP).toMatch(/--http-request-timeout-ms N/);
  });
});
