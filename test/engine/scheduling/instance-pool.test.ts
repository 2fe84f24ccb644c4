import { describe, expect, it } from 'vitest';
import { InstancePool } from '../../../engine/scheduling/instance-pool.js';
import { FakeInstance } from './fake-instance.js';

describe('InstancePool', () => {
  it('hands out each instance once until released, least recently freed first', () => {
    const [a, b] = [new FakeInstance(), new FakeInstance()];
    const pool = new InstancePool([a, b], "model 'm' version 1");
    expect(pool.acquire()).toBe(a);
    expect(pool.acquire()).toBe(b);
    expect(pool.hasFree).toBe(false);
    expect(pool.acquire()).toBeUndefined();
    expect(pool.busyCount).toBe(2);
    pool.release(b);
    pool.release(a);
    expect(pool.acquire()).toBe(b);
    expect(pool.size).toBe(2);
  });

  it('refuses to release an instance that is not busy or not its own', () => {
    const a = new FakeInstance();
    const pool = new InstancePool([a], "model 'm' version 1");
    expect(() => pool.release(a)).toThrow(/model 'm' version 1.*not busy/);
    expect(() => pool.release(new FakeInstance())).toThrow(/not one of its instances/);
  });

  it('refuses an empty instance list, naming the model', () => {
    expect(() => new InstancePool([], "model 'm' version 1")).toThrow(
      expect.objectContaining({
        code: 'INTERNAL',
        message: "model 'm' version 1 has no instances to schedule on",
      }),
    );
  });
});
