/* The OCR pipelines' first step reads an image sent as a base64 data: URL (for generate_stream). */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBytes } from '../../examples/model_repository/ocr_preprocess/1/model.js';
import { EXAMPLE_IMAGES } from './ocr-harness.js';

describe('ocr_preprocess image elements', () => {
  it('takes the file itself, or what a base64 data: URL holds', async () => {
    const png = new Uint8Array(await readFile(path.join(EXAMPLE_IMAGES, 'sign.png')));
    expect(fileBytes(png)).toBe(png);
    const url = new TextEncoder().encode(
      `data:image/png;base64,${Buffer.from(png).toString('base64')}`,
    );
    expect(Buffer.from(fileBytes(url)).equals(Buffer.from(png))).toBe(true);
  });

  it('leaves text that is not a base64 data: URL as it came, for the format check to refuse', () => {
    const text = new TextEncoder().encode('data:text/plain,hello');
    expect(fileBytes(text)).toBe(text);
  });
});
