import { describe, expect, it } from 'vitest';
import { parseWrk } from './wrk.js';

const REPORT = `Running 3s test @ http://127.0.0.1:1/
  2 threads and 64 connections
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.01s
     99%    1.50m
  9000 requests in 3.00s, 1.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:   3000.50
Transfer/sec:    341.00KB
`;

describe('parseWrk', () => {
  it("reads requests/s, p50, p99 and errors from wrk's --latency report", () => {
    expect(parseWrk(REPORT)).toEqual({
      requestsPerS: 3000.5,
      p50Ms: 0.812,
      p99Ms: 90_000,
      errors: 9,
    });
  });
});
