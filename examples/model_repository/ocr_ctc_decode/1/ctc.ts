/**
 * @module Greedy CTC decoding, after PaddleOCR's `CTCLabelDecode`: the most likely class at each
 * time step, repeats merged, blanks (class 0) dropped; class k is the dictionary's (k-1)th
 * character. The score is the mean probability of the characters kept.
 */

/**
 * The recognizer's character list from a dictionary file (one character per line), with the
 * space PP-OCR models add at the end (`use_space_char`).
 *
 * @example
 * loadDictionary('a\nb\n'); // ['a', 'b', ' ']
 */
export function loadDictionary(text: string): string[] {
  const lines = text.split('\n').map(l => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  return [...lines, ' '];
}

/** One decoded line. */
export interface Decoded {
  readonly text: string;
  readonly score: number;
}

/**
 * Decodes one sequence of `steps` × `classes` probabilities starting at `offset` in `probs`.
 *
 * @example
 * decodeCtc(probs, { offset: 0, steps: 40, classes: dict.length + 1 }, dict); // { text: 'Hello', score: 0.98 }
 */
export function decodeCtc(probs: Float32Array, at: { offset: number; steps: number; classes: number }, dict: readonly string[]): Decoded {
  let text = '';
  let sum = 0;
  let kept = 0;
  let previous = -1;
  for (let t = 0; t < at.steps; t++) {
    const row = at.offset + t * at.classes;
    let best = 0;
    let bestP = probs[row]!;
    for (let c = 1; c < at.classes; c++) {
      const p = probs[row + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
    }
    if (best !== 0 && best !== previous) {
      text += dict[best - 1] ?? '';
      sum += bestP;
      kept++;
    }
    previous = best;
  }
  return { text, score: kept > 0 ? sum / kept : 0 };
}
