import { describe, expect, it } from 'vitest';
import { CompletionSequencer } from '../../../engine/scheduling/ordered-completion.js';

describe('CompletionSequencer', () => {
  it('holds completions until every earlier slot completed, then runs them in slot order', () => {
    const seq = new CompletionSequencer(true);
    const ran: string[] = [];
    const [a, b, c] = [seq.reserve(), seq.reserve(), seq.reserve()];
    seq.complete(c, () => ran.push('c'));
    seq.complete(b, () => ran.push('b'));
    expect(ran).toEqual([]);
    expect(seq.heldCount).toBe(2);
    seq.complete(a, () => ran.push('a'));
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(seq.heldCount).toBe(0);
  });

  it('runs completions at once when ordering is off', () => {
    const seq = new CompletionSequencer(false);
    const ran: number[] = [];
    const first = seq.reserve();
    const second = seq.reserve();
    seq.complete(second, () => ran.push(second));
    seq.complete(first, () => ran.push(first));
    expect(ran).toEqual([1, 0]);
  });
});
