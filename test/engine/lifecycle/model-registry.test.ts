import { describe, expect, it } from 'vitest';
import type { EngineError } from '../../../engine/core/errors.js';
import { ModelRegistry } from '../../../engine/lifecycle/model-registry.js';

class FakeVersion {
  unloaded = 0;
  constructor(
    readonly name: string,
    readonly version: number,
    readonly tag = '',
  ) {}
  async unload(): Promise<void> {
    this.unloaded++;
  }
}

function plan(
  name: string,
  versions: number[],
  opts: { fail?: number[]; tag?: string; made?: FakeVersion[] } = {},
) {
  return {
    versions,
    loadVersion: async (v: number) => {
      if (opts.fail?.includes(v)) throw new Error(`bad file for version ${v}`);
      const fv = new FakeVersion(name, v, opts.tag);
      opts.made?.push(fv);
      return fv;
    },
  };
}

describe('ModelRegistry', () => {
  it('serves the highest READY version by default and a named version on request', async () => {
    const r = new ModelRegistry<FakeVersion>();
    await r.load('m', plan('m', [1, 2]));
    expect(r.get('m').version).toBe(2);
    expect(r.get('m', 1).version).toBe(1);
    expect(r.status()).toEqual([
      { name: 'm', version: 1, state: 'READY' },
      { name: 'm', version: 2, state: 'READY' },
    ]);
  });

  it('reports unknown models and versions as NOT_FOUND', async () => {
    const r = new ModelRegistry<FakeVersion>();
    await r.load('m', plan('m', [1]));
    expect(() => r.get('nope')).toThrow(/unknown model: 'nope'/);
    try {
      r.get('m', 7);
      expect.unreachable();
    } catch (e) {
      expect((e as EngineError).code).toBe('NOT_FOUND');
    }
  });

  it('keeps good versions READY and reports the failed one with its reason', async () => {
    const r = new ModelRegistry<FakeVersion>();
    await expect(r.load('m', plan('m', [1, 2], { fail: [2] }))).rejects.toThrow(
      /version 2: bad file for version 2/,
    );
    expect(r.get('m').version).toBe(1);
    expect(r.status()[1]).toEqual({
      name: 'm',
      version: 2,
      state: 'UNAVAILABLE',
      reason: 'bad file for version 2',
    });
  });

  it('records a model-level failure without versions', async () => {
    const r = new ModelRegistry<FakeVersion>();
    await expect(
      r.load('m', { error: 'config.yaml:3:1: max_batch_size: expected number' }),
    ).rejects.toThrow(/load failed for model 'm': config.yaml:3:1/);
    expect(r.status()).toEqual([
      {
        name: 'm',
        state: 'UNAVAILABLE',
        reason: 'config.yaml:3:1: max_batch_size: expected number',
      },
    ]);
  });

  it('swaps in a reload only after it is READY, then unloads the old versions', async () => {
    const r = new ModelRegistry<FakeVersion>();
    const made: FakeVersion[] = [];
    await r.load('m', plan('m', [1], { tag: 'old', made }));
    await r.load('m', plan('m', [1], { tag: 'new', made }));
    expect(r.get('m').tag).toBe('new');
    await r.unloadAll();
    expect(made.map(m => m.unloaded)).toEqual([1, 1]);
  });

  it('keeps the old versions serving when a reload fails', async () => {
    const r = new ModelRegistry<FakeVersion>();
    await r.load('m', plan('m', [1], { tag: 'old' }));
    await expect(r.load('m', plan('m', [1], { fail: [1] }))).rejects.toThrow(
      /load failed for model 'm'/,
    );
    expect(r.get('m').tag).toBe('old');
    await expect(r.load('m', { error: 'broken config' })).rejects.toThrow(/broken config/);
    expect(r.get('m').tag).toBe('old');
  });

  it('unloads: versions become UNAVAILABLE with reason "unloaded" and stop serving', async () => {
    const r = new ModelRegistry<FakeVersion>();
    const made: FakeVersion[] = [];
    await r.load('m', plan('m', [1], { made }));
    await r.unload('m');
    expect(made[0]!.unloaded).toBe(1);
    expect(r.status()).toEqual([
      { name: 'm', version: 1, state: 'UNAVAILABLE', reason: 'unloaded' },
    ]);
    expect(() => r.get('m')).toThrow(/no available versions/);
    await expect(r.unload('other')).rejects.toThrow(/not loaded/);
  });

  it('serializes concurrent loads of one model', async () => {
    const r = new ModelRegistry<FakeVersion>();
    const order: string[] = [];
    const slow = {
      versions: [1],
      loadVersion: async () => {
        order.push('a-start');
        await new Promise(res => setImmediate(res));
        order.push('a-end');
        return new FakeVersion('m', 1, 'a');
      },
    };
    const fast = {
      versions: [1],
      loadVersion: async () => {
        order.push('b');
        return new FakeVersion('m', 1, 'b');
      },
    };
    await Promise.all([r.load('m', slow), r.load('m', fast)]);
    expect(order).toEqual(['a-start', 'a-end', 'b']);
    expect(r.get('m').tag).toBe('b');
  });

  // issue #10 item 6: Triton's repository manager answers INVALID_ARG, "load failed for model …".
  it("rejects a failed load with INVALID_ARG in Triton's words, keeping the reason", async () => {
    const r = new ModelRegistry<FakeVersion>();
    const planError = r.load('m', { error: 'config.yaml:3:1: max_batch_size: expected number' });
    await expect(planError).rejects.toMatchObject({ code: 'INVALID_ARG' });
    await expect(planError).rejects.toThrow(
      "load failed for model 'm': config.yaml:3:1: max_batch_size: expected number",
    );
    const versionError = r.load('m', plan('m', [1], { fail: [1] }));
    await expect(versionError).rejects.toMatchObject({ code: 'INVALID_ARG' });
    await expect(versionError).rejects.toThrow(
      "load failed for model 'm': version 1: bad file for version 1",
    );
  });

  // issue #10 item 5: an unloaded model never holds readiness down.
  describe('strict readiness', () => {
    it('is ready when every model meant to be loaded is READY', async () => {
      const r = new ModelRegistry<FakeVersion>();
      expect(r.allReady()).toBe(true);
      await r.load('m', plan('m', [1, 2]));
      expect(r.allReady()).toBe(true);
      await expect(r.load('n', plan('n', [1], { fail: [1] }))).rejects.toThrow();
      expect(r.allReady()).toBe(false);
    });

    it('is not ready while a model-level failure stands, and ready again once that model is unloaded', async () => {
      const r = new ModelRegistry<FakeVersion>();
      await r.load('good', plan('good', [1]));
      await expect(r.load('m', { error: 'broken config' })).rejects.toThrow();
      expect(r.allReady()).toBe(false);
      await r.unload('m');
      expect(r.allReady()).toBe(true);
    });

    it('is ready again once a model whose versions failed is unloaded, and not when it is loaded again and fails', async () => {
      const r = new ModelRegistry<FakeVersion>();
      await expect(r.load('m', plan('m', [1], { fail: [1] }))).rejects.toThrow();
      await r.unload('m');
      expect(r.allReady()).toBe(true);
      await expect(r.load('m', { error: 'broken config' })).rejects.toThrow();
      expect(r.allReady()).toBe(false);
      expect(r.status()).toEqual([{ name: 'm', state: 'UNAVAILABLE', reason: 'broken config' }]);
    });

    it('counts a model loaded, unloaded, then failing to load again', async () => {
      const r = new ModelRegistry<FakeVersion>();
      await r.load('m', plan('m', [1]));
      await r.unload('m');
      expect(r.allReady()).toBe(true);
      await expect(r.load('m', { error: 'broken config' })).rejects.toThrow();
      expect(r.allReady()).toBe(false);
    });
  });
});
