import { describe, expect, it } from 'vitest';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { RestartingInstance, type MortalInstance } from '../../../backends/onnxruntime/restarting-instance.js';

class FakeMortal implements MortalInstance {
  dead = false;
  disposed = 0;
  constructor(readonly id: number) {}
  async execute(): Promise<TensorMap> {
    if (this.dead) throw new Error(`instance ${this.id} is dead`);
    return new Map([['id', { datatype: 'INT32', shape: [1], data: new Int32Array([this.id]) }]]);
  }
  async dispose(): Promise<void> {
    this.disposed++;
  }
}

const signal = new AbortController().signal;
const idOf = (m: TensorMap) => (m.get('id')!.data as Int32Array)[0];

describe('RestartingInstance', () => {
  it('starts a fresh instance when the current one has died, and disposes the dead one', async () => {
    let next = 1;
    const made: FakeMortal[] = [];
    const start = async () => {
      const m = new FakeMortal(next++);
      made.push(m);
      return m;
    };
    const log = new InMemoryLogger();
    const inst = new RestartingInstance(await start(), start, log);
    expect(idOf(await inst.execute(new Map(), { signal }))).toBe(1);
    made[0]!.dead = true;
    expect(idOf(await inst.execute(new Map(), { signal }))).toBe(2);
    expect(made[0]!.disposed).toBe(1);
    expect(log.lines.map(l => l.msg)).toEqual(['model instance thread died; starting a new one']);
    await inst.dispose();
    await inst.dispose();
    expect(made[1]!.disposed).toBe(2);
  });

  it('restarts once when several calls find the instance dead', async () => {
    let starts = 0;
    const start = async () => new FakeMortal(++starts);
    const inst = new RestartingInstance(await start(), start, new InMemoryLogger());
    inst.current.dead = true;
    await Promise.all([inst.execute(new Map(), { signal }), inst.execute(new Map(), { signal })]);
    expect(starts).toBe(2);
  });
});
