// issue #10 items 3 and 4: the flags that bound what one model may take.
import { describe, expect, it } from 'vitest';
import { parseServeFlags, SERVE_HELP, type ServeFlags } from '../../../engine/cli/args.js';

const flags = (...args: string[]) =>
  parseServeFlags(['--model-repository', 'models', ...args]) as ServeFlags;

describe('--max-instance-count', () => {
  it('defaults to 64 and takes a positive whole number', () => {
    expect(flags().maxInstanceCount).toBe(64);
    expect(flags('--max-instance-count', '8').maxInstanceCount).toBe(8);
  });

  it('refuses 0 and non-numbers, naming the flag', () => {
    expect(() => flags('--max-instance-count', '0')).toThrow(
      "--max-instance-count must be an integer in [1, 9007199254740991], got '0'",
    );
    expect(() => flags('--max-instance-count=lots')).toThrow(
      /--max-instance-count must be an integer/,
    );
  });

  it('is in the help text', () => {
    expect(SERVE_HELP).toMatch(
      /--max-instance-count N .*\n.*instance_group entries; larger loads are refused \(default 64\)/,
    );
  });
});

describe('--backend-config js,...', () => {
  it('sets the JS workers’ heap limit and execute timeout, leaving them unset otherwise', () => {
    const f = flags(
      '--backend-config',
      'js,max-heap-mb=32',
      '--backend-config',
      'js,execute-timeout-ms=0',
    );
    expect(f).toMatchObject({ jsMaxHeapMb: 32, jsExecuteTimeoutMs: 0 });
    expect(flags()).not.toHaveProperty('jsMaxHeapMb');
    expect(flags()).not.toHaveProperty('jsExecuteTimeoutMs');
  });

  it('keeps onnxruntime,default-max-batch-size', () => {
    expect(
      flags('--backend-config', 'onnxruntime,default-max-batch-size=8').defaultMaxBatchSize,
    ).toBe(8);
  });

  it.each([
    [
      'js,max-heap-mb=0',
      "--backend-config js,max-heap-mb must be an integer in [1, 9007199254740991], got '0'",
    ],
    ['js,max-heap-mb=', "--backend-config js,max-heap-mb must be a whole number, got ''"],
    [
      'js,execute-timeout-ms=-1',
      "--backend-config js,execute-timeout-ms must be a whole number, got '-1'",
    ],
    [
      'js,stack-mb=4',
      "unsupported --backend-config 'js,stack-mb=4' (supported: default-max-batch-size=N, onnxruntime,default-max-batch-size=N, js,max-heap-mb=N, js,execute-timeout-ms=N)",
    ],
    ['constructor=1', /unsupported --backend-config 'constructor=1'/],
  ])('refuses %s', (value, message) => {
    expect(() => flags('--backend-config', value)).toThrow(message);
  });
});
