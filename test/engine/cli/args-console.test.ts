// issue #18: --allow-console turns the web console at /console on (default) or off.
import { describe, expect, it } from 'vitest';
import { parseServeFlags, SERVE_HELP, type ServeFlags } from '../../../engine/cli/args.js';

const flags = (...args: string[]) =>
  parseServeFlags(['--model-repository', 'models', ...args]) as ServeFlags;

describe('--allow-console', () => {
  it('defaults to true and takes a boolean', () => {
    expect(flags().allowConsole).toBe(true);
    expect(flags('--allow-console', 'false').allowConsole).toBe(false);
    expect(flags('--allow-console=off').allowConsole).toBe(false);
  });

  it('refuses anything else, naming the flag', () => {
    expect(() => flags('--allow-console', 'maybe')).toThrow(/--allow-console/);
  });

  it('is in the help text', () => {
    expect(SERVE_HELP).toMatch(
      /--allow-console BOOL +serve the web console at \/console on HTTP \(default true\)/,
    );
  });
});
