import { describe, it, expect } from 'vitest';
import { ERROR_CODES, EngineError } from '../../../engine/core/errors.js';
import type { ErrorCode } from '../../../engine/core/errors.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import {
  ERROR_STATUS,
  GRPC_STATUS,
  INTERNAL_ERROR_MESSAGE,
  errorResponse,
  grpcStatusOf,
  httpStatusOf,
  jsonError,
} from '../../../engine/server/errors.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('error status registry', () => {
  it('maps every ErrorCode, and nothing else, to an HTTP and a gRPC status', () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...codes].sort());
    for (const code of codes) {
      expect(httpStatusOf(code), code).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code), code).toBeLessThan(600);
      expect(Object.keys(GRPC_STATUS), code).toContain(ERROR_STATUS[code].grpc);
      expect(grpcStatusOf(code), code).toBeGreaterThan(0);
    }
  });

  it("follows Triton's table (reference §1.3) plus 413 for oversized payloads", () => {
    const table: Record<ErrorCode, [number, number]> = {
      INTERNAL: [500, 13],
      NOT_FOUND: [404, 5],
      UNAVAILABLE: [503, 14],
      UNSUPPORTED: [501, 12],
      INVALID_ARG: [400, 3],
      ALREADY_EXISTS: [400, 6],
      CANCELLED: [400, 1],
      UNKNOWN: [400, 2],
      PAYLOAD_TOO_LARGE: [413, 8],
    };
    for (const code of codes)
      expect([httpStatusOf(code), grpcStatusOf(code)], code).toEqual(table[code]);
  });
});

describe('errorResponse', () => {
  it.each(codes)(
    'answers an EngineError %s with its status and message as {"error"}',
    async code => {
      const res = errorResponse(new EngineError(code, `model 'm': ${code} happened`));
      expect(res.status).toBe(httpStatusOf(code));
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ error: `model 'm': ${code} happened` });
    },
  );

  it('hides the message of other errors behind a 500 and logs it', async () => {
    const log = new InMemoryLogger();
    const res = errorResponse(new TypeError('cannot read x of undefined'), log);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: INTERNAL_ERROR_MESSAGE });
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]!.level).toBe('error');
    expect(log.lines[0]!.fields['error']).toBe('cannot read x of undefined');
  });

  it('handles thrown non-Error values', async () => {
    const log = new InMemoryLogger();
    const res = errorResponse('boom', log);
    expect(res.status).toBe(500);
    expect(log.lines[0]!.fields['error']).toBe('boom');
  });

  it('recognizes EngineErrors from another copy of the module by name and code', async () => {
    const foreign = Object.assign(new Error('queue full'), {
      name: 'EngineError',
      code: 'UNAVAILABLE',
    });
    const res = errorResponse(foreign);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'queue full' });
  });
});

describe('jsonError', () => {
  it('builds {"error": message} with application/json', async () => {
    const res = jsonError(405, 'Method Not Allowed');
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"error":"Method Not Allowed"}');
  });
});
