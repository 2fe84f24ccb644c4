/**
 * Requests and helpers shared by the infer route's tests.
 *
 * @module
 */

/** `n` consecutive integers from `from`. */
export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
/** Sixteen ones: `simpleRequest`'s INPUT1. */
export const ones = Array.from({ length: 16 }, () => 1);

/** A JSON infer request for `simple` asking for OUTPUT0. */
export const simpleRequest = {
  id: 'r1',
  inputs: [
    { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: range(16) },
    { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: [ones] },
  ],
  outputs: [{ name: 'OUTPUT0' }],
};

/** Splits a binary-extension body into its JSON header and the bytes after it. */
export async function splitBinary(
  res: Response,
): Promise<{ json: Record<string, unknown>; rest: Uint8Array }> {
  const length = Number(res.headers.get('inference-header-content-length'));
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    json: JSON.parse(new TextDecoder().decode(bytes.subarray(0, length))),
    rest: bytes.subarray(length),
  };
}
