import { describe, expect, it } from 'vitest';
import { CoreGate } from '../../../backends/onnxruntime/core-gate.js';

// issue #17 item 1: CPU sessions of different models share the machine's cores.

const never = new AbortController().signal;

/** A run that starts when the gate lets it and ends when the test says so. */
function held(gate: CoreGate, cores: number, log: string[], name: string, signal = never) {
  let end!: () => void;
  const ended = new Promise<void>(resolve => (end = resolve));
  const done = gate.run(cores, signal, async () => {
    log.push(`start ${name}`);
    await ended;
    log.push(`end ${name}`);
    return name;
  });
  return { end, done };
}

const turn = () => new Promise(resolve => setImmediate(resolve));

describe('CoreGate', () => {
  it('starts runs at once while their cores are free', async () => {
    const gate = new CoreGate(4);
    const log: string[] = [];
    const a = held(gate, 2, log, 'a');
    const b = held(gate, 2, log, 'b');
    await turn();
    expect(log).toEqual(['start a', 'start b']);
    expect(gate.free).toBe(0);
    a.end();
    b.end();
    expect(await Promise.all([a.done, b.done])).toEqual(['a', 'b']);
    expect(gate.free).toBe(4);
  });

  it('holds a run back until an earlier one gives its cores back', async () => {
    const gate = new CoreGate(2);
    const log: string[] = [];
    const a = held(gate, 2, log, 'a');
    const b = held(gate, 2, log, 'b');
    await turn();
    expect(log).toEqual(['start a']);
    expect(gate.waiting).toBe(1);
    a.end();
    await a.done;
    await turn();
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.end();
    await b.done;
  });

  it('serves waiting runs in order: a small run does not pass a large one', async () => {
    const gate = new CoreGate(4);
    const log: string[] = [];
    const a = held(gate, 3, log, 'a');
    const big = held(gate, 4, log, 'big');
    const small = held(gate, 1, log, 'small');
    await turn();
    expect(log).toEqual(['start a']);
    a.end();
    await a.done;
    await turn();
    expect(log.slice(2)).toEqual(['start big']);
    big.end();
    await big.done;
    await turn();
    expect(log.slice(4)).toEqual(['start small']);
    small.end();
    await small.done;
  });

  it('counts a run asking for more cores than the gate has as taking them all', async () => {
    const gate = new CoreGate(2);
    const log: string[] = [];
    const a = held(gate, 8, log, 'a');
    await turn();
    expect(log).toEqual(['start a']);
    expect(gate.free).toBe(0);
    a.end();
    await a.done;
    expect(gate.free).toBe(2);
  });

  it('gives the cores back when a run fails', async () => {
    const gate = new CoreGate(2);
    const failing = gate.run(2, never, () => Promise.reject(new Error('ort failed')));
    await expect(failing).rejects.toThrow('ort failed');
    expect(gate.free).toBe(2);
  });

  it('drops a waiting run whose signal aborts, with CANCELLED, and lets the next one in', async () => {
    const gate = new CoreGate(2);
    const log: string[] = [];
    const a = held(gate, 1, log, 'a');
    const cancel = new AbortController();
    const big = held(gate, 2, log, 'big', cancel.signal);
    const small = held(gate, 1, log, 'small');
    await turn();
    expect(log).toEqual(['start a']);
    cancel.abort();
    await expect(big.done).rejects.toMatchObject({ code: 'CANCELLED' });
    await turn();
    expect(log).toEqual(['start a', 'start small']);
    a.end();
    small.end();
    await Promise.all([a.done, small.done]);
    expect(gate.free).toBe(2);
  });

  it('does not start a run whose signal has already aborted', async () => {
    const gate = new CoreGate(2);
    const cancel = new AbortController();
    cancel.abort();
    let ran = false;
    const run = gate.run(1, cancel.signal, async () => (ran = true));
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(ran).toBe(false);
  });

  it('rejects a size below one core', () => {
    expect(() => new CoreGate(0)).toThrow(/cores must be an integer >= 1, got 0/);
  });
});
