import { describe, expect, it } from 'vitest';
import { MODEL_ERROR_CODES, ModelError, modelErrorCode } from '../../../backends/js/model-error.js';
import { ERROR_CODES } from '../../../engine/core/errors.js';

describe('model errors', () => {
  it('reads the code of a ModelError or of any error carrying one of the codes', () => {
    expect(modelErrorCode(new ModelError('INVALID_ARG', 'bad image'))).toBe('INVALID_ARG');
    expect(modelErrorCode(Object.assign(new Error('x'), { code: 'UNSUPPORTED' }))).toBe(
      'UNSUPPORTED',
    );
    expect(modelErrorCode({ code: 'NOT_FOUND' })).toBe('NOT_FOUND');
  });

  it('ignores errors without a code, with another code, and values that are not objects', () => {
    expect(modelErrorCode(new RangeError('oops'))).toBeUndefined();
    expect(modelErrorCode(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBeUndefined();
    expect(modelErrorCode(Object.assign(new Error('x'), { code: 'INTERNAL' }))).toBeUndefined();
    expect(modelErrorCode('INVALID_ARG')).toBeUndefined();
    expect(modelErrorCode(null)).toBeUndefined();
  });

  it('offers only codes the engine knows', () => {
    for (const code of MODEL_ERROR_CODES) expect(Object.keys(ERROR_CODES)).toContain(code);
  });
});
