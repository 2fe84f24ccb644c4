import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findTestFiles } from '../../engine/cli/test/discover.js';
import { generateSchemas } from '../../ui-schema/generate.js';
import { ROOT } from '../support/repo.js';
import type { JsonSchema } from './mini-validator.js';
import { validate } from './mini-validator.js';

const schema = JSON.parse(
  generateSchemas().get('pipeline-test.schema.json') ?? 'null',
) as JsonSchema & Record<string, unknown>;

describe('pipeline-test.schema.json', () => {
  it('identifies itself as the schema of braid test files', () => {
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'urn:braid:schema:pipeline-test',
      title: 'Braid pipeline test',
    });
  });

  it('accepts every test file of the examples and fixtures, each pointing an editor at it', async () => {
    const files = await findTestFiles([
      path.join(ROOT, 'examples'),
      path.join(ROOT, 'test', 'fixtures'),
    ]);
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      expect(validate(schema, parseYaml(text)), f).toEqual([]);
      const ref = /# yaml-language-server: \$schema=(\S+)/.exec(text)?.[1];
      expect(ref && path.resolve(path.dirname(f), ref), f).toBe(
        path.join(ROOT, 'ui-schema', 'pipeline-test.schema.json'),
      );
    }
  });

  it('rejects a misspelt key and a wrong step status, as braid test does', () => {
    expect(
      validate(schema, { pipeline: 'ocr', cases: [{ name: 'a', expect: { outptus: {} } }] }),
    ).toEqual(["$.cases[0].expect: unknown key 'outptus'"]);
    expect(
      validate(schema, {
        pipeline: 'ocr',
        cases: [{ name: 'a', expect: { steps: { x: 'done' } } }],
      }),
    ).toEqual(['$.cases[0].expect.steps.x: matches no alternative']);
  });
});
