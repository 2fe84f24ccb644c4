import { describe, expect, it } from 'vitest';
import {
  EXECUTE_TIMEOUT,
  MAX_HEAP,
  numberParameter,
} from '../../../backends/worker-host/parameters.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';

const config = (parameters: Record<string, string>) =>
  ModelConfigSchema.parse({
    name: 'm',
    parameters: Object.fromEntries(
      Object.entries(parameters).map(([k, v]) => [k, { string_value: v }]),
    ),
  });

describe('numberParameter', () => {
  it('reads the value, and nothing when the config sets none', () => {
    expect(numberParameter(config({ execute_timeout_ms: '2500.5' }), 'm', EXECUTE_TIMEOUT)).toBe(
      2500.5,
    );
    expect(numberParameter(config({ execute_timeout_ms: '0' }), 'm', EXECUTE_TIMEOUT)).toBe(0);
    expect(numberParameter(config({ max_heap_mb: '256' }), 'm', MAX_HEAP)).toBe(256);
    expect(numberParameter(config({}), 'm', MAX_HEAP)).toBeUndefined();
  });

  it.each([
    [
      'execute_timeout_ms',
      '-1',
      "model 'm': parameter execute_timeout_ms must be a non-negative number of milliseconds, found '-1'",
    ],
    [
      'execute_timeout_ms',
      ' ',
      "model 'm': parameter execute_timeout_ms must be a non-negative number of milliseconds, found ' '",
    ],
    [
      'execute_timeout_ms',
      'Infinity',
      "model 'm': parameter execute_timeout_ms must be a non-negative number of milliseconds, found 'Infinity'",
    ],
    [
      'max_heap_mb',
      '1.5',
      "model 'm': parameter max_heap_mb must be a positive whole number of megabytes, found '1.5'",
    ],
    [
      'max_heap_mb',
      '0',
      "model 'm': parameter max_heap_mb must be a positive whole number of megabytes, found '0'",
    ],
  ])('refuses %s = %j as INVALID_ARG naming the parameter', (name, value, message) => {
    const p = name === 'max_heap_mb' ? MAX_HEAP : EXECUTE_TIMEOUT;
    expect(() => numberParameter(config({ [name]: value }), 'm', p)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARG', message }),
    );
  });
});
