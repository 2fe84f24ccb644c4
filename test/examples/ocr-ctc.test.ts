/* Greedy CTC decoding (examples/model_repository/ocr_ctc_decode). */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  argMax,
  decodeCtc,
  loadDictionary,
} from '../../examples/model_repository/ocr_ctc_decode/1/ctc.js';
import { exampleFiles } from './ocr-harness.js';

/** Probabilities for a class sequence: `p` on the chosen class, the rest spread evenly. */
function probs(classes: number, seq: readonly number[], p = 0.9): Float32Array {
  const out = new Float32Array(seq.length * classes).fill((1 - p) / (classes - 1));
  seq.forEach((c, t) => (out[t * classes + c] = p));
  return out;
}

describe('CTC decoding', () => {
  const dict = loadDictionary('a\nb\nc\n');

  it('reads one character per line of the dictionary and appends the space', () => {
    expect(dict).toEqual(['a', 'b', 'c', ' ']);
    expect(loadDictionary('x\r\ny')).toEqual(['x', 'y', ' ']);
  });

  it('merges repeats, drops blanks, and keeps a letter repeated across a blank', () => {
    // classes: 0 blank, 1 a, 2 b, 3 c, 4 space
    const seq = [0, 1, 1, 0, 1, 2, 2, 4, 3, 0, 0];
    const out = decodeCtc(probs(5, seq), { offset: 0, steps: seq.length, classes: 5 }, dict);
    expect(out.text).toBe('aab c');
    expect(out.score).toBeCloseTo(0.9, 6);
  });

  it('scores the mean probability of the characters kept, 0 for an empty line', () => {
    const p = new Float32Array([0.2, 0.8, 0, 0, 0, /* t1 */ 0.1, 0, 0.6, 0.3, 0]);
    expect(decodeCtc(p, { offset: 0, steps: 2, classes: 5 }, dict)).toEqual({
      text: 'ab',
      score: expect.closeTo(0.7, 6) as number,
    });
    expect(decodeCtc(probs(5, [0, 0, 0]), { offset: 0, steps: 3, classes: 5 }, dict)).toEqual({
      text: '',
      score: 0,
    });
  });

  it('reads a sequence at an offset, as in a batch', () => {
    const batch = new Float32Array([...probs(5, [1, 0]), ...probs(5, [3, 3])]);
    expect(decodeCtc(batch, { offset: 10, steps: 2, classes: 5 }, dict).text).toBe('c');
  });

  // issue #17: the four-lane arg-max answers what one running maximum does, ties included
  it('finds the first largest class at any offset and count, as a plain scan does', () => {
    const scan = (p: Float32Array, at: number, n: number) => {
      let best = 0;
      for (let c = 1; c < n; c++) if (p[at + c]! > p[at + best]!) best = c;
      return best;
    };
    let seed = 7;
    const rand = () => ((seed = (seed * 48271) % 2147483647) % 8) / 8;
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 6625]) {
      const p = Float32Array.from({ length: n + 3 }, rand);
      for (const at of [0, 1, 3]) expect(argMax(p, at, n), `n=${n} at=${at}`).toBe(scan(p, at, n));
    }
    expect(argMax(Float32Array.of(0.5, 0.5, 0.5, 0.5, 0.5), 0, 5)).toBe(0);
    expect(argMax(Float32Array.of(0, 0.25, 0, 0, 0, 0.25), 0, 6)).toBe(1);
  });

  it("loads PP-OCR dictionary through the link: 6623 characters + space, the recognizer's 6625 classes with blank", async () => {
    const text = await readFile(
      exampleFiles('ocr_ctc_decode', 'ppocr_keys_v1.txt').modelPath,
      'utf8',
    );
    const keys = loadDictionary(text);
    expect(keys.length + 1).toBe(6625);
    expect(keys.includes('A') && keys.includes('z') && keys.includes('7')).toBe(true);
  });
});
