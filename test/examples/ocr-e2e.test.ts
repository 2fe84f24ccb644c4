/*
 * The OCR example end to end: `braid serve` on examples/model_repository (as `npm start`), images
 * sent over HTTP the three ways examples/model_repository/README.md shows.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT } from '../support/repo.js';
import { startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';
import { EXAMPLE_IMAGES, expectedLines, normalizeText } from './ocr-harness.js';

let server: ServeProcess;
let expected: Record<string, string[]>;

beforeAll(async () => {
  expected = await expectedLines();
  server = await startServe(['--model-repository', EXAMPLES], 60_000);
}, 90_000);

afterAll(async () => {
  if (server) await server.stop();
});

const image = (file: string): Promise<Buffer> => readFile(path.join(EXAMPLE_IMAGES, file));

/** Sends an image with the binary tensor extension, outputs as JSON. */
async function ocr(bytes: Buffer): Promise<{
  status: number;
  body: { outputs?: { name: string; data: unknown[] }[]; error?: string };
}> {
  const element = Buffer.alloc(4 + bytes.length);
  element.writeUInt32LE(bytes.length, 0);
  bytes.copy(element, 4);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: 'IMAGE',
          datatype: 'BYTES',
          shape: [1],
          parameters: { binary_data_size: element.length },
        },
      ],
    }),
  );
  const res = await fetch(`${server.url}/v2/models/ocr/infer`, {
    method: 'POST',
    headers: { 'Inference-Header-Content-Length': String(header.length) },
    body: Buffer.concat([header, element]),
  });
  return {
    status: res.status,
    body: (await res.json()) as { outputs?: { name: string; data: unknown[] }[]; error?: string },
  };
}

const texts = (body: { outputs?: { name: string; data: unknown[] }[] }): string[] =>
  (body.outputs?.find(o => o.name === 'TEXT')?.data ?? []).map(s => normalizeText(String(s)));

interface Stats {
  model_stats: { name: string; inference_count: number; execution_count: number }[];
}

describe('the ocr pipeline served by braid serve', () => {
  it('is ready and takes the image file as BYTES [1]', async () => {
    const res = await fetch(`${server.url}/v2/models/ocr`);
    expect(await res.json()).toMatchObject({
      name: 'ocr',
      platform: 'ensemble',
      inputs: [{ name: 'IMAGE', datatype: 'BYTES', shape: [1] }],
      outputs: [
        { name: 'TEXT', datatype: 'BYTES', shape: [-1] },
        { name: 'BOXES', datatype: 'FP32', shape: [-1, 4, 2] },
        { name: 'SCORES', datatype: 'FP32', shape: [-1] },
      ],
    });
  });

  it('reads every example image, 8 requests at a time, and batches the text lines in ocr_rec', async () => {
    const before = ((await (await fetch(`${server.url}/v2/models/ocr_rec/stats`)).json()) as Stats)
      .model_stats[0]!;
    const files = Object.keys(expected);
    const jobs = Array.from({ length: 8 }, (_, i) => files[i % files.length]!);
    const answers = await Promise.all(jobs.map(async f => ({ f, ...(await ocr(await image(f))) })));
    for (const a of answers) {
      expect(a.status, a.f).toBe(200);
      expect(texts(a.body), a.f).toEqual(expected[a.f]!.map(normalizeText));
    }
    const after = ((await (await fetch(`${server.url}/v2/models/ocr_rec/stats`)).json()) as Stats)
      .model_stats[0]!;
    const lines = jobs.reduce((n, f) => n + expected[f]!.length, 0);
    expect(after.inference_count - before.inference_count).toBe(lines);
    expect(after.execution_count - before.execution_count).toBeLessThan(lines);
  });

  it('answers a raw binary request (the body is the image) with binary outputs', async () => {
    const res = await fetch(`${server.url}/v2/models/ocr/infer`, {
      method: 'POST',
      headers: { 'Inference-Header-Content-Length': '0' },
      body: await image('receipt.png'),
    });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    const headerLength = Number(res.headers.get('inference-header-content-length'));
    const header = JSON.parse(body.subarray(0, headerLength).toString()) as {
      outputs: { name: string; parameters: { binary_data_size: number } }[];
    };
    expect(header.outputs[0]).toMatchObject({ name: 'TEXT', datatype: 'BYTES', shape: [4] });
    const lines: string[] = [];
    for (
      let at = headerLength, end = headerLength + header.outputs[0]!.parameters.binary_data_size;
      at < end;
    ) {
      const n = body.readUInt32LE(at);
      lines.push(body.subarray(at + 4, at + 4 + n).toString());
      at += 4 + n;
    }
    expect(lines.map(normalizeText)).toEqual(expected['receipt.png']!.map(normalizeText));
  });

  it('is what examples/clients/ocr.mjs prints', async () => {
    const run = promisify(execFile);
    const script = path.join(ROOT, 'examples', 'clients', 'ocr.mjs');
    const { stdout } = await run(
      process.execPath,
      [script, path.join(EXAMPLE_IMAGES, 'sign.png')],
      { env: { ...process.env, BRAID_URL: server.url } },
    );
    expect(stdout).toMatch(
      /sign\.png: 1 line\(s\)\n {2}0\.\d{3} {2}\(\d+, \d+\) {2}Welcome to Braid\n/,
    );
  });

  it('fails bytes that are not an image with 400 and a message naming the step and what it expected', async () => {
    const { status, body } = await ocr(Buffer.from('not an image at all'));
    expect(status).toBe(400);
    expect(body.error).toMatch(
      /step 'prepare' \(model 'ocr_preprocess'\).*expected PNG or JPEG bytes, found 19 bytes/,
    );
  });

  it('fails a truncated PNG with 400, and keeps serving', async () => {
    const png = await readFile(path.join(EXAMPLE_IMAGES, 'sign.png'));
    const { status, body } = await ocr(png.subarray(0, 200));
    expect(status).toBe(400);
    expect(body.error).toMatch(
      /step 'prepare' \(model 'ocr_preprocess'\).*the PNG file does not decode/,
    );
    expect((await ocr(png)).status).toBe(200);
  });
});
