import { describe, expect, it } from 'vitest';
import { decodeInferBody } from '../../../../engine/server/codec/index.js';
import { expectEngineError, noRaw, utf8Bytes } from './fixtures.js';

const decodeText = (els: Uint8Array[]) => els.map(e => new TextDecoder().decode(e));

// issue #10 item 12: a JSON body is UTF-8 text (RFC 8259 §8.1); bytes that are not UTF-8, or
// string escapes that are not Unicode, used to reach BYTES tensors as U+FFFD without a word.
describe('decodeInferBody: text that is not UTF-8 or not Unicode', () => {
  const withBytes = (before: string, raw: number[], after: string) =>
    new Uint8Array([...utf8Bytes(before), ...raw, ...utf8Bytes(after)]);
  const text = (name: string, open: string) =>
    `{"inputs":[{"name":"A","datatype":"INT32","shape":[1],"data":[1]},{"name":"${name}","datatype":"BYTES","shape":[2],"data":${open}`;

  it('rejects bytes that are not UTF-8 in a BYTES string, naming the tensor', () => {
    for (const raw of [
      [0xff],
      [0xc3],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
      [0xc0, 0xaf],
    ]) {
      const body = withBytes(text('TEXT', '["ok","bad'), raw, '"]}]}');
      expectEngineError(
        () => decodeInferBody(body, undefined, noRaw),
        'INVALID_ARG',
        "input 'TEXT': a string in 'data' is not valid UTF-8 (byte ",
      );
    }
  });

  it('names the field when the bytes that are not UTF-8 sit outside a tensor', () => {
    expectEngineError(
      () => decodeInferBody(withBytes('{"id":"', [0xfe], '","inputs":[]}'), undefined, noRaw),
      'INVALID_ARG',
      "the request JSON is not valid UTF-8 at byte 7 (in 'id')",
    );
  });

  it('rejects an unpaired surrogate escape in a BYTES string, naming the tensor and element', () => {
    for (const s of ['\\ud800', 'x\\udc00', '\\ud83d\\u0041']) {
      const body = utf8Bytes(`${text('TEXT', '["ok"')},"${s}"]}]}`);
      expectEngineError(
        () => decodeInferBody(body, undefined, noRaw),
        'INVALID_ARG',
        "Unable to parse 'data' of input 'TEXT': element 1 holds an unpaired surrogate (a \\uD800-\\uDFFF escape not in a pair), which is not Unicode text",
      );
    }
  });

  it('keeps valid UTF-8 and paired surrogate escapes byte for byte', () => {
    const body = utf8Bytes(`${text('TEXT', '["\\ud83d\\ude00","\uFFFD🙂é"')}]}]}`);
    const d = decodeInferBody(body, undefined, noRaw);
    expect(decodeText(d.inputs.get('TEXT')!.data as Uint8Array[])).toEqual(['😀', '\uFFFD🙂é']);
  });
});
