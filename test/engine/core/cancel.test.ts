import { describe, expect, it } from 'vitest';
import { CancelSource } from '../../../engine/core/cancel.js';
import type { CancelSignal } from '../../../engine/core/cancel.js';

describe('CancelSource', () => {
  it('runs each listener once, in order, with the reason set, and ignores a second abort', () => {
    const source = new CancelSource();
    const seen: string[] = [];
    source.addEventListener('abort', () => seen.push(`a:${String(source.reason)}`));
    source.addEventListener('abort', () => seen.push('b'), { once: true });
    expect(source.aborted).toBe(false);
    source.abort('gone');
    source.abort('again');
    expect(seen).toEqual(['a:gone', 'b']);
    expect(source.aborted).toBe(true);
    expect(source.reason).toBe('gone');
  });

  it('drops removed listeners and does not call one added after the abort', () => {
    const source = new CancelSource();
    let calls = 0;
    const listener = () => calls++;
    source.addEventListener('abort', listener);
    source.removeEventListener('abort', listener);
    source.removeEventListener('abort', () => undefined); // unknown: no effect
    source.abort();
    source.addEventListener('abort', listener);
    expect(calls).toBe(0);
  });

  it('calls every listener even when one throws, then rethrows the first error', () => {
    const source = new CancelSource();
    let after = false;
    source.addEventListener('abort', () => {
      throw new Error('first');
    });
    source.addEventListener('abort', () => (after = true));
    expect(() => source.abort()).toThrow('first');
    expect(after).toBe(true);
  });

  it('accepts an AbortSignal wherever a CancelSignal is read', () => {
    const ac = new AbortController();
    const signal: CancelSignal = ac.signal;
    let fired = false;
    signal.addEventListener('abort', () => (fired = true), { once: true });
    ac.abort();
    expect(fired && signal.aborted).toBe(true);
  });
});
