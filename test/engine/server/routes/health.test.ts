import { describe, it } from 'vitest';
import { expectEmpty, setup } from '../helpers.js';

describe('health routes', () => {
  it('GET /v2/health/live is 200 with an empty body when live', async () => {
    const { app } = setup();
    await expectEmpty(await app.request('/v2/health/live'), 200);
  });

  it('GET /v2/health/live is 400 with an empty body when not live', async () => {
    const { app, engine } = setup();
    engine.live = false;
    await expectEmpty(await app.request('/v2/health/live'), 400);
  });

  it('GET /v2/health/ready follows engine readiness with empty bodies', async () => {
    const { app, engine } = setup();
    await expectEmpty(await app.request('/v2/health/ready'), 200);
    engine.ready = false;
    await expectEmpty(await app.request('/v2/health/ready'), 400);
  });

  it('HEAD answers like GET without a body', async () => {
    const { app, engine } = setup();
    engine.ready = false;
    await expectEmpty(await app.request('/v2/health/ready', { method: 'HEAD' }), 400);
  });
});
