#!/usr/bin/env node
// Reads the text in images with the `ocr` pipeline of a running Braid server.
//
//   node examples/clients/ocr.mjs examples/images/receipt.png [more images...]
//   BRAID_URL=http://host:8000 node examples/clients/ocr.mjs photo.jpg
//
// The pipeline's input IMAGE is BYTES [1] holding the PNG or JPEG file itself. JSON cannot carry
// arbitrary bytes in a string, so the request uses the binary tensor extension: a JSON header
// naming the input and its size, then the tensor's bytes (one BYTES element: a 4-byte
// little-endian length and the file). The outputs are asked for as JSON.
import { readFile } from 'node:fs/promises';

const url = `${process.env.BRAID_URL ?? 'http://localhost:8000'}/v2/models/ocr/infer`;
const files = process.argv.slice(2);
if (files.length === 0) {
  console.error(
    'usage: node examples/clients/ocr.mjs IMAGE... (PNG or JPEG; BRAID_URL defaults to http://localhost:8000)',
  );
  process.exit(2);
}

async function readText(file) {
  const image = await readFile(file);
  const element = Buffer.alloc(4 + image.length);
  element.writeUInt32LE(image.length, 0);
  image.copy(element, 4);
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
      outputs: [{ name: 'TEXT' }, { name: 'SCORES' }, { name: 'BOXES' }],
    }),
  );
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      'inference-header-content-length': String(header.length),
    },
    body: Buffer.concat([header, element]),
  });
  const body = await res.json();
  if (!res.ok)
    throw new Error(`${file}: HTTP ${res.status}: ${body.error ?? JSON.stringify(body)}`);
  const output = name => body.outputs.find(o => o.name === name)?.data ?? [];
  const boxes = output('BOXES');
  return output('TEXT').map((text, i) => ({
    text,
    score: output('SCORES')[i],
    topLeft: boxes.slice(i * 8, i * 8 + 2),
  }));
}

let failed = false;
for (const file of files) {
  try {
    const lines = await readText(file);
    console.log(`${file}: ${lines.length} line(s)`);
    for (const l of lines)
      console.log(`  ${l.score.toFixed(3)}  (${l.topLeft.join(', ')})  ${l.text}`);
  } catch (e) {
    failed = true;
    console.error(e instanceof Error ? e.message : String(e));
  }
}
process.exitCode = failed ? 1 : 0;
