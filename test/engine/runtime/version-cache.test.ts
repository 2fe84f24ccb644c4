// issue #15 section 3: which versions may use the response cache; never decoupled or sequence models.
import { describe, expect, it } from 'vitest';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import { ModelConfigSchema, type ModelConfig } from '../../../engine/core/model-config.js';
import { ResponseCache } from '../../../engine/runtime/response-cache.js';
import { versionCache } from '../../../engine/runtime/version-cache.js';

const cache = new ResponseCache({ sizeBytes: 1024 });
const config = (raw: object): ModelConfig => ModelConfigSchema.parse({ name: 'm', ...raw });
const sequence = (raw: object): ModelConfig =>
  ({ ...config(raw), sequence_batching: {} }) as ModelConfig;

describe('versionCache', () => {
  it('gives the server cache to any other model, enabled or not (pipeline steps may ask for it)', () => {
    const log = new InMemoryLogger();
    expect(versionCache(config({ response_cache: { enable: true } }), 'm', cache, log)).toBe(cache);
    expect(versionCache(config({}), 'm', cache, log)).toBe(cache);
    expect(log.lines).toEqual([]);
  });

  it('never gives it to a decoupled or sequence model, even one that does not enable it', () => {
    const log = new InMemoryLogger();
    expect(
      versionCache(config({ model_transaction_policy: { decoupled: true } }), 'm', cache, log),
    ).toBeUndefined();
    expect(versionCache(sequence({}), 'm', cache, log)).toBeUndefined();
  });

  it('refuses a decoupled or sequence model that enables it, naming why', () => {
    const log = new InMemoryLogger();
    const decoupled = config({
      model_transaction_policy: { decoupled: true },
      response_cache: { enable: true },
    });
    expect(() => versionCache(decoupled, 'm', cache, log)).toThrow(
      /model 'm': response cache does not currently support models with the 'decoupled' transaction policy/,
    );
    expect(() =>
      versionCache(sequence({ response_cache: { enable: true } }), 'm', cache, log),
    ).toThrow(/response cache does not currently support sequence batched models/);
  });

  it('warns when a model enables it on a server without a cache', () => {
    const log = new InMemoryLogger();
    expect(
      versionCache(config({ response_cache: { enable: true } }), 'm', undefined, log),
    ).toBeUndefined();
    expect(log.lines).toMatchObject([
      { level: 'warn', msg: expect.stringContaining('server has no response cache') as string },
    ]);
  });
});
