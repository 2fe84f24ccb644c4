/*
 * `braid serve` flags of the console (issue #18), over real sockets: --allow-console false leaves
 * /console unserved, and --http-restricted-api covers the page like any other route.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

// Explicit mode with nothing to load: the server is up at once.
const BASE = [
  '--model-repository',
  EXAMPLES,
  '--model-control-mode',
  'explicit',
  '--allow-grpc',
  'false',
];

describe('braid serve and the console', () => {
  let server: ServeProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('serves nothing at /console with --allow-console false', async () => {
    server = await startServe([...BASE, '--allow-console', 'false']);
    for (const path of ['/console', '/console/assets/console.js', '/console/api/events']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBe(404);
      await res.body?.cancel();
    }
  });

  it('refuses the page without the header when the console category is restricted', async () => {
    server = await startServe([...BASE, '--http-restricted-api', 'console:console-key=s3cret']);
    const refused = await fetch(`${server.url}/console`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: "This API is restricted, expecting header 'console-key'",
    });
    const allowed = await fetch(`${server.url}/console`, { headers: { 'console-key': 's3cret' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('<div id="app"></div>');
  });
});
