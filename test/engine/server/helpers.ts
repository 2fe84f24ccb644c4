import { expect } from 'vitest';
import { createApp } from '../../../engine/server/app.js';
import type { AppOptions } from '../../../engine/server/app.js';
import type { BraidApp } from '../../../engine/server/routing.js';
import { FakeEngine } from './fake-engine.js';

/**
 * A FakeEngine with the models the server tests use: `simple` (add_sub, INT32 [-1,16], versions
 * 1 and 2), `echo` (FP32 [-1,4]) and `bytes_echo` (BYTES [-1,1]).
 */
export function fakeEngine(): FakeEngine {
  const i32 = (name: string) => ({ name, datatype: 'INT32' as const, shape: [-1, 16] });
  return new FakeEngine()
    .addModel({
      name: 'simple',
      kind: 'add_sub',
      versions: [1, 2],
      inputs: [i32('INPUT0'), i32('INPUT1')],
      outputs: [i32('OUTPUT0'), i32('OUTPUT1')],
    })
    .addModel({
      name: 'echo',
      kind: 'echo',
      inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [-1, 4] }],
    })
    .addModel({
      name: 'bytes_echo',
      kind: 'echo',
      inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape: [-1, 1] }],
      outputs: [{ name: 'OUTPUT0', datatype: 'BYTES', shape: [-1, 1] }],
    });
}

/** A fake engine and the app serving it. */
export function setup(opts?: AppOptions): { engine: FakeEngine; app: BraidApp } {
  const engine = fakeEngine();
  return { engine, app: createApp(engine, opts) };
}

/** POSTs `body` as JSON (or raw bytes) to `path`. */
export function post(
  app: BraidApp,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  const payload = body === undefined || body instanceof Uint8Array ? body : JSON.stringify(body);
  return Promise.resolve(
    app.request(path, { method: 'POST', body: payload as RequestInit['body'], headers }),
  );
}

/** Asserts a protocol error answer: `status`, JSON content type and `{"error": ...}` body. */
export async function expectError(
  res: Response,
  status: number,
  message?: string | RegExp,
): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: unknown };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error).toBe('string');
  if (typeof message === 'string') expect(body.error).toBe(message);
  else if (message) expect(body.error).toMatch(message);
  return body.error as string;
}

/** Asserts a success answer with an empty body. */
export async function expectEmpty(res: Response, status = 200): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.text()).toBe('');
}
