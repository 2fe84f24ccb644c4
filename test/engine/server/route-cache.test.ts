import { describe, expect, it } from 'vitest';
import { TrieRouter } from 'hono/router/trie-router';
import { CachingRouter } from '../../../engine/server/route-cache.js';
import { setup } from './helpers.js';

function router(limit?: number): { cached: CachingRouter<string>; calls: () => number } {
  const inner = new TrieRouter<string>();
  let calls = 0;
  const match = inner.match.bind(inner);
  inner.match = (method, path) => {
    calls++;
    return match(method, path);
  };
  const cached = new CachingRouter<string>(inner, limit);
  cached.add('POST', '/v2/models/:model/infer', 'infer');
  cached.add('GET', '/v2/models/:model', 'metadata');
  return { cached, calls: () => calls };
}

describe('CachingRouter', () => {
  it('answers a repeated method and path from memory with the same result', () => {
    const { cached, calls } = router();
    const first = cached.match('POST', '/v2/models/a/infer');
    expect(cached.match('POST', '/v2/models/a/infer')).toBe(first);
    expect(calls()).toBe(1);
    expect(first[0].map(([h]) => h)).toEqual(['infer']);
  });

  it('keeps paths and methods apart, each with its own parameters', () => {
    const { cached } = router();
    const a = cached.match('POST', '/v2/models/a/infer');
    const b = cached.match('POST', '/v2/models/b/infer');
    expect(a[0][0]?.[1]).toEqual({ model: 'a' });
    expect(b[0][0]?.[1]).toEqual({ model: 'b' });
    expect(cached.match('GET', '/v2/models/a/infer')[0]).toEqual([]);
    expect(cached.match('GET', '/v2/models/a')[0].map(([h]) => h)).toEqual(['metadata']);
  });

  it('forgets everything when a route is added', () => {
    const { cached, calls } = router();
    cached.match('POST', '/v2/models/a/infer');
    cached.add('POST', '/v2/models/:model/infer', 'second');
    expect(cached.size).toBe(0);
    expect(cached.match('POST', '/v2/models/a/infer')[0].map(([h]) => h)).toEqual([
      'infer',
      'second',
    ]);
    expect(calls()).toBe(2);
  });

  it('holds at most its limit of paths, starting again when full', () => {
    const { cached } = router(3);
    for (const m of ['a', 'b', 'c', 'd', 'e']) cached.match('POST', `/v2/models/${m}/infer`);
    expect(cached.size).toBe(2);
    expect(cached.match('POST', '/v2/models/e/infer')[0][0]?.[1]).toEqual({ model: 'e' });
  });

  it("serves the app's routes with each request's own path parameters", async () => {
    const { app } = setup();
    for (const name of ['simple', 'echo', 'simple', 'echo']) {
      const res = await app.request(`/v2/models/${name}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { name: string }).name).toBe(name);
    }
  });
});
