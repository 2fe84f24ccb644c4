import { describe, expect, it } from 'vitest';
import { measurePerImage, perImageLines } from './ocr-per-image.js';

describe('the OCR benchmark, image by image', () => {
  it('measures each image in turn, the ceiling before the server', async () => {
    const calls: string[] = [];
    const rows = await measurePerImage(['a.png', 'b.png'], {
      ceiling: async i => (calls.push(`ceiling ${i}`), 10 * (i + 1)),
      served: async i => (calls.push(`served ${i}`), 12 * (i + 1)),
    });
    expect(calls).toEqual(['ceiling 0', 'served 0', 'ceiling 1', 'served 1']);
    expect(rows).toEqual([
      { image: 'a.png', braidP50: 12, modelP50: 10 },
      { image: 'b.png', braidP50: 24, modelP50: 20 },
    ]);
  });

  it('judges the target on the worst image', () => {
    const rows = [
      { image: 'small.png', braidP50: 50, modelP50: 40 },
      { image: 'large.png', braidP50: 140, modelP50: 100 },
    ];
    const lines = perImageLines(rows, 1.3, 4000);
    expect(lines[0]).toContain('(4 s windows)');
    expect(lines[2]).toMatch(/^small\.png\s+50\.0\s+40\.0\s+1\.25x$/);
    expect(lines[3]).toMatch(/^large\.png\s+140\.0\s+100\.0\s+1\.40x$/);
    expect(lines.at(-1)).toContain('worst image: 1.40x  (target <= 1.3x: NOT MET)');
    expect(perImageLines(rows.slice(0, 1), 1.3, 4000).at(-1)).toContain(
      '1.25x  (target <= 1.3x: MET)',
    );
  });

  it('counts an image it could not measure as missing the target', () => {
    const lines = perImageLines([{ image: 'x.png', braidP50: 10, modelP50: NaN }], 1.3, 1000);
    expect(lines.at(-1)).toContain('NOT MET');
  });
});
