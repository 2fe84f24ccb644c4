import { describe, it, expect } from 'vitest';
import type { ModelStatistics } from '../../../../engine/scheduling/stats.js';
import { expectError, setup } from '../helpers.js';

async function modelStats(res: Response): Promise<ModelStatistics[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { model_stats: ModelStatistics[] };
  expect(Object.keys(body)).toEqual(['model_stats']);
  return body.model_stats;
}

describe('statistics routes', () => {
  it('GET /v2/models/stats returns every version, as the engine reports them', async () => {
    const { app, engine } = setup();
    engine.recorder('simple', 2).execution(4, 1000, 2000, 3000);
    engine.recorder('simple', 2).request(true, 9000, 1_700_000_000_123);
    const stats = await modelStats(await app.request('/v2/models/stats'));
    expect(stats.map(s => `${s.name}/${s.version}`)).toEqual([
      'simple/1',
      'simple/2',
      'echo/1',
      'bytes_echo/1',
    ]);
    expect(stats[1]).toEqual(engine.recorder('simple', 2).snapshot());
    expect(stats[1]!.inference_count).toBe(4);
    expect(stats[1]!.last_inference).toBe(1_700_000_000_123);
    expect(engine.statsCalls).toEqual([{ name: undefined, version: undefined }]);
  });

  it('GET /v2/models/{m}/stats and …/versions/{v}/stats narrow the query', async () => {
    const { app, engine } = setup();
    expect(
      (await modelStats(await app.request('/v2/models/simple/stats'))).map(s => s.version),
    ).toEqual(['1', '2']);
    expect(
      (await modelStats(await app.request('/v2/models/simple/versions/2/stats'))).map(
        s => s.version,
      ),
    ).toEqual(['2']);
    expect(engine.statsCalls).toEqual([
      { name: 'simple', version: undefined },
      { name: 'simple', version: 2 },
    ]);
  });

  it('/v2/models/stats is never read as a model named stats', async () => {
    const { app, engine } = setup();
    await modelStats(await app.request('/v2/models/stats'));
    expect(engine.statsCalls[0]!.name).toBeUndefined();
  });

  it('an unknown model is 404', async () => {
    const { app } = setup();
    await expectError(await app.request('/v2/models/nope/stats'), 404);
  });
});
