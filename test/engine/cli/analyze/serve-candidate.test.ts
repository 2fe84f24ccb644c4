import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBraid } from '../../../../engine/cli/analyze/serve-candidate.js';
import { EXAMPLES } from '../../../support/repo.js';

const repo = mkdtempSync(path.join(tmpdir(), 'serve-candidate-test-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('launchBraid', () => {
  it('serves the candidate, and names the reason when the model does not load', async () => {
    mkdirSync(path.join(repo, 'mlp'));
    symlinkSync(path.join(EXAMPLES, 'mlp', '1'), path.join(repo, 'mlp', '1'));
    writeFileSync(path.join(repo, 'mlp', 'config.yaml'), 'max_batch_size: 2\n');
    const server = await launchBraid(repo, 'mlp');
    const config = (await (await fetch(`${server.origin}/v2/models/mlp/config`)).json()) as {
      max_batch_size: number;
    };
    expect(config.max_batch_size).toBe(2);
    await server.stop();
    writeFileSync(
      path.join(repo, 'mlp', 'config.yaml'),
      'max_batch_size: 1\ndynamic_batching: { preferred_batch_size: [4] }\n',
    );
    await expect(launchBraid(repo, 'mlp')).rejects.toThrow(
      "model 'mlp' did not become ready (HTTP 400): model 'mlp': dynamic_batching.preferred_batch_size 4 must be <= max_batch_size (1)",
    );
  });
});
