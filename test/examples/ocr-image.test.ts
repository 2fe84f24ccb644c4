/* Image decoding and the detector's resize/normalization (examples/model_repository/ocr_preprocess). */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import {
  DET_NORMALIZATION,
  decodeImage,
  detInputSize,
  resizeToChw,
} from '../../examples/model_repository/ocr_preprocess/1/image.js';
import type { RgbImage } from '../../examples/model_repository/ocr_preprocess/1/image.js';

function png(
  width: number,
  height: number,
  rgba: (x: number, y: number) => [number, number, number, number],
): Uint8Array {
  const img = new pngjs.PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) img.data.set(rgba(x, y), (y * width + x) * 4);
  return new Uint8Array(pngjs.PNG.sync.write(img));
}

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

describe('decodeImage', () => {
  it('decodes a PNG to RGB, laying transparent pixels over white', async () => {
    const img = await decodeImage(
      png(3, 2, (x, y) => (x === 0 ? [10, 20, 30, 255] : y === 0 ? [0, 0, 0, 0] : [0, 0, 0, 128])),
    );
    expect([img.width, img.height]).toEqual([3, 2]);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([10, 20, 30]);
    expect(Array.from(img.data.subarray(3, 6))).toEqual([255, 255, 255]);
    expect(Math.abs(img.data[(1 * 3 + 1) * 3]! - 127)).toBeLessThanOrEqual(1);
  });

  it('decodes a JPEG to RGB (lossy: within a few levels)', async () => {
    const rgba = new Uint8Array(16 * 8 * 4);
    for (let i = 0; i < 16 * 8; i++) rgba.set([200, 40, 90, 255], i * 4);
    const bytes = jpeg.encode({ width: 16, height: 8, data: rgba }, 95).data;
    const img = await decodeImage(new Uint8Array(bytes));
    expect([img.width, img.height]).toEqual([16, 8]);
    const [r, g, b] = Array.from(img.data.subarray(0, 3));
    expect(Math.abs(r! - 200) + Math.abs(g! - 40) + Math.abs(b! - 90)).toBeLessThan(12);
  });

  // issue #17: images decode with sharp; grey and 16-bit files still come out as 8-bit RGB
  it('decodes a greyscale, 16-bit PNG to 8-bit RGB', async () => {
    const img = new pngjs.PNG({
      width: 2,
      height: 1,
      colorType: 0,
      inputColorType: 0,
      bitDepth: 16,
      inputHasAlpha: false,
    });
    const bytes = pngjs.PNG.sync.write(
      { ...img, data: Buffer.from(Uint16Array.of(0xffff, 0).buffer) } as pngjs.PNG,
      { colorType: 0, inputColorType: 0, bitDepth: 16, inputHasAlpha: false },
    );
    const out = await decodeImage(new Uint8Array(bytes));
    expect([out.width, out.height, out.data.length]).toEqual([2, 1, 6]);
    expect(new Set(out.data.subarray(0, 3)).size).toBe(1);
  });

  it('refuses bytes that are neither, saying what it found', async () => {
    await expect(decodeImage(new TextEncoder().encode('GIF89a'))).rejects.toThrow(
      'expected PNG or JPEG bytes, found 6 bytes starting with [47 49 46 38]',
    );
    await expect(decodeImage(new TextEncoder().encode('GIF89a'))).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_ARG' }),
    );
  });

  it("refuses a truncated PNG as the client's fault", async () => {
    const bytes = png(64, 64, (x, y) => [x, y, 0, 255]);
    await expect(decodeImage(bytes.subarray(0, 60))).rejects.toThrow(
      expect.objectContaining({
        code: 'INVALID_ARG',
        message: expect.stringMatching(/^the PNG file does not decode: /),
      }),
    );
  });

  it('refuses a PNG header announcing more than 40 megapixels before decoding it', async () => {
    const bytes = png(2, 2, () => [0, 0, 0, 255]);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(16, 10_000);
    view.setUint32(20, 5_000);
    await expect(decodeImage(bytes)).rejects.toThrow(
      'image of 10000x5000 is larger than 40 megapixels',
    );
  });

  it('refuses a JPEG whose header announces more than 40 megapixels, from the header', async () => {
    const rgba = new Uint8Array(8 * 8 * 4).fill(255);
    const bytes = new Uint8Array(jpeg.encode({ width: 8, height: 8, data: rgba }, 90).data);
    // The baseline frame header (FFC0): length, precision, then height and width.
    const sof = bytes.findIndex((b, i) => b === 0xff && bytes[i + 1] === 0xc0);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint16(sof + 5, 9000);
    view.setUint16(sof + 7, 9000);
    await expect(decodeImage(bytes)).rejects.toThrow(
      expect.objectContaining({
        code: 'INVALID_ARG',
        message: 'the JPEG image is larger than 40 megapixels',
      }),
    );
  });
});

describe('detInputSize', () => {
  it('keeps a small image at its size, rounded to multiples of 32, at least 32', () => {
    expect(detInputSize(480, 110, { limitType: 'max', sideLen: 960 })).toEqual({
      width: 480,
      height: 96,
    });
    expect(detInputSize(20, 10, { limitType: 'max', sideLen: 960 })).toEqual({
      width: 32,
      height: 32,
    });
  });

  it('shrinks so the longer side fits the limit (max) or grows the shorter side to it (min)', () => {
    expect(detInputSize(1920, 1080, { limitType: 'max', sideLen: 960 })).toEqual({
      width: 960,
      height: 544,
    });
    expect(detInputSize(400, 100, { limitType: 'min', sideLen: 320 })).toEqual({
      width: 1280,
      height: 320,
    });
  });
});

describe('resizeToChw', () => {
  it('writes B, G, R planes normalized with the detector statistics', () => {
    const x = resizeToChw(solid(4, 4, [255, 0, 0]), 2, 2, DET_NORMALIZATION);
    expect(x).toHaveLength(12);
    const blue = (0 - 0.485) / 0.229;
    const red = (1 - 0.406) / 0.225;
    expect(x[0]).toBeCloseTo(blue, 5);
    expect(x[4]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(x[8]).toBeCloseTo(red, 5);
  });

  it('interpolates bilinearly with OpenCV pixel centres', () => {
    // Columns 0,255 stretched to 4: centres map to -0.25, 0.25, 0.75, 1.25 → clamp 0, 0.25, 0.75, 1.
    const img: RgbImage = { width: 2, height: 1, data: Uint8Array.of(0, 0, 0, 255, 255, 255) };
    const x = resizeToChw(img, 4, 1, { mean: [0, 0, 0], std: [1, 1, 1] });
    expect(Array.from(x.subarray(0, 4), v => Number(v.toFixed(4)))).toEqual([0, 0.25, 0.75, 1]);
  });
});
