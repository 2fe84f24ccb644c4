/*
 * The dependency rules of ARCHITECTURE.md as `npm run lint` enforces them (eslint.boundaries.js):
 * for each rule, an import that breaks it is reported and an allowed one is not. Also the
 * private-member and `export *` rules of eslint.config.js.
 */
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The messages of `rule` for `code` linted as if it were the file `file` (repository-relative). */
async function messages(file: string, code: string, rule = 'braid/boundaries'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return (result?.messages ?? []).filter(m => m.ruleId === rule).map(m => m.message);
}

/** [file, import statement, part of the message expected, or undefined when allowed]. */
type Case = readonly [string, string, string | undefined];

const cases: readonly Case[] = [
  // engine/core imports nothing in the repository; zod is its only dependency.
  [
    'engine/core/x.ts',
    "import { a } from '../runtime/engine.js';",
    'engine/core must not import engine/runtime',
  ],
  [
    'engine/core/x.ts',
    "import { a } from '../../pipelines/plan.js';",
    'engine/core must not import pipelines',
  ],
  [
    'engine/core/x.ts',
    "import { readFile } from 'node:fs';",
    "engine/core must not import 'node:fs'",
  ],
  ['engine/core/x.ts', "import { a } from './errors.js';", undefined],
  ['engine/core/x.ts', "import { z } from 'zod';", undefined],
  // Static, type-only, dynamic and re-exporting imports all count.
  [
    'engine/core/x.ts',
    "import type { A } from '../runtime/types.js';",
    'engine/core must not import engine/runtime',
  ],
  [
    'engine/core/x.ts',
    "export { a } from '../runtime/types.js';",
    'engine/core must not import engine/runtime',
  ],
  [
    'engine/core/x.ts',
    "export const m = () => import('../runtime/types.js');",
    'engine/core must not import engine/runtime',
  ],
  // engine/{lifecycle, scheduling, repository, telemetry} import engine/core only.
  [
    'engine/scheduling/x.ts',
    "import { a } from '../lifecycle/model-registry.js';",
    'engine/scheduling must not import engine/lifecycle',
  ],
  [
    'engine/scheduling/x.ts',
    "import { a } from '../../backends/js/backend.js';",
    'engine/scheduling must not import backends/js',
  ],
  ['engine/scheduling/x.ts', "import { a } from '../core/errors.js';", undefined],
  [
    'engine/lifecycle/x.ts',
    "import { a } from '../runtime/engine.js';",
    'engine/lifecycle must not import engine/runtime',
  ],
  [
    'engine/repository/x.ts',
    "import { a } from '../scheduling/index.js';",
    'engine/repository must not import engine/scheduling',
  ],
  [
    'engine/telemetry/metrics/x.ts',
    "import { a } from '../../runtime/engine.js';",
    'engine/telemetry must not import engine/runtime',
  ],
  ['engine/telemetry/metrics/x.ts', "import { a } from '../../core/telemetry.js';", undefined],
  // engine/runtime imports the layers below it, never the server, the CLI or a backend.
  ['engine/runtime/x.ts', "import { a } from '../scheduling/index.js';", undefined],
  [
    'engine/runtime/x.ts',
    "import { a } from '../server/app.js';",
    'engine/runtime must not import engine/server',
  ],
  [
    'engine/runtime/x.ts',
    "import { a } from '../../backends/onnxruntime/backend.js';",
    'engine/runtime must not import backends/onnxruntime',
  ],
  [
    'engine/runtime/x.ts',
    "import { a } from '../../pipelines/backend.js';",
    'engine/runtime must not import pipelines',
  ],
  // engine/server reaches the engine through engine/runtime's ports, skipping no layer.
  [
    'engine/server/grpc/x.ts',
    "import { a } from '../../scheduling/stats.js';",
    'engine/server must not import engine/scheduling',
  ],
  ['engine/server/grpc/x.ts', "import type { A } from '../../runtime/types.js';", undefined],
  // Only engine/server imports hono and grpc-js.
  ['engine/server/x.ts', "import { Hono } from 'hono';", undefined],
  ['engine/server/x.ts', "import { Server } from '@grpc/grpc-js';", undefined],
  ['engine/runtime/x.ts', "import { Hono } from 'hono';", "engine/runtime must not import 'hono'"],
  [
    'engine/cli/x.ts',
    "import { serve } from '@hono/node-server';",
    "engine/cli must not import '@hono/node-server'",
  ],
  [
    'pipelines/x.ts',
    "import { Server } from '@grpc/grpc-js';",
    "pipelines must not import '@grpc/grpc-js'",
  ],
  // Only engine/telemetry imports prom-client and OpenTelemetry.
  ['engine/telemetry/metrics/x.ts', "import { Registry } from 'prom-client';", undefined],
  [
    'engine/scheduling/x.ts',
    "import { Registry } from 'prom-client';",
    "engine/scheduling must not import 'prom-client'",
  ],
  [
    'engine/runtime/x.ts',
    "import { trace } from '@opentelemetry/api';",
    "engine/runtime must not import '@opentelemetry/api'",
  ],
  // engine/cli is the composition root: it wires backends, pipelines and the server.
  ['engine/cli/x.ts', "import { a } from '../../backends/js/backend.js';", undefined],
  ['engine/cli/perf/x.ts', "import { a } from '../../../pipelines/backend.js';", undefined],
  ['engine/cli/x.ts', "import { a } from '../server/app.js';", undefined],
  // pipelines import engine/core only (and keep graphology to themselves).
  ['pipelines/x.ts', "import { a } from '../engine/core/errors.js';", undefined],
  ['pipelines/executor/x.ts', "import { a } from '../../engine/core/tensor.js';", undefined],
  [
    'pipelines/x.ts',
    "import { a } from '../engine/runtime/engine.js';",
    'pipelines must not import engine/runtime',
  ],
  [
    'pipelines/executor/x.ts',
    "import { a } from '../../backends/js/backend.js';",
    'pipelines must not import backends/js',
  ],
  ['pipelines/x.ts', "import Graph from 'graphology';", undefined],
  [
    'engine/runtime/x.ts',
    "import Graph from 'graphology';",
    "engine/runtime must not import 'graphology'",
  ],
  // A backend imports engine/core and the worker host, never the engine, pipelines or another backend.
  ['backends/js/x.ts', "import { a } from '../worker-host/host.js';", undefined],
  ['backends/js/x.ts', "import { a } from '../../engine/core/backend.js';", undefined],
  [
    'backends/js/x.ts',
    "import { a } from '../onnxruntime/backend.js';",
    'backends/js must not import backends/onnxruntime',
  ],
  [
    'backends/js/x.ts',
    "import { a } from '../../engine/runtime/engine.js';",
    'backends/js must not import engine/runtime',
  ],
  [
    'backends/js/x.ts',
    "import { a } from '../../pipelines/plan.js';",
    'backends/js must not import pipelines',
  ],
  [
    'backends/js/x.ts',
    "import { InferenceSession } from 'onnxruntime-node';",
    "backends/js must not import 'onnxruntime-node'",
  ],
  ['backends/onnxruntime/x.ts', "import { InferenceSession } from 'onnxruntime-node';", undefined],
  [
    'backends/onnxruntime/x.ts',
    "import { a } from '../js/backend.js';",
    'backends/onnxruntime must not import backends/js',
  ],
  // The worker host imports engine/core and node built-ins, nothing else.
  ['backends/worker-host/x.ts', "import { Worker } from 'node:worker_threads';", undefined],
  ['backends/worker-host/x.ts', "import { a } from '../../engine/core/errors.js';", undefined],
  [
    'backends/worker-host/x.ts',
    "import { a } from '../js/backend.js';",
    'backends/worker-host must not import backends/js',
  ],
  [
    'backends/worker-host/x.ts',
    "import { register } from 'tsx/esm/api';",
    "backends/worker-host must not import 'tsx'",
  ],
  // ui-schema imports engine/core and pipelines.
  ['ui-schema/x.ts', "import { a } from '../pipelines/schema.js';", undefined],
  [
    'ui-schema/x.ts',
    "import { a } from '../engine/runtime/engine.js';",
    'ui-schema must not import engine/runtime',
  ],
  // Tests and examples are outside the layers.
  ['test/engine/x.test.ts', "import { a } from '../../backends/js/backend.js';", undefined],
  ['examples/tools/x.ts', "import { Hono } from 'hono';", undefined],
];

describe('import boundaries (ARCHITECTURE.md dependency rules)', () => {
  it.each(cases)('%s: %s', async (file, code, expected) => {
    const found = await messages(file, code);
    if (expected === undefined) expect(found).toEqual([]);
    else expect(found).toEqual([expect.stringContaining(expected)]);
  });
});

describe('house style rules', () => {
  const style = (file: string, code: string) => messages(file, code, 'no-restricted-syntax');

  it('refuses TypeScript private members and parameter properties in source files', async () => {
    expect(
      await style('engine/core/x.ts', 'export class A { private readonly x = 1; }'),
    ).toHaveLength(1);
    expect(
      await style('engine/core/x.ts', 'export class A { protected y(): void {} }'),
    ).toHaveLength(1);
    expect(
      await style('engine/core/x.ts', 'export class A { constructor(readonly x: number) {} }'),
    ).toHaveLength(1);
    expect(
      await style(
        'engine/core/x.ts',
        'export class A { readonly #x = 1; private constructor() {} }',
      ),
    ).toEqual([]);
  });

  it('refuses a local `-readonly` mapped type outside engine/core/mutable.ts', async () => {
    const local = 'export type W<T> = { -readonly [K in keyof T]: T[K] };';
    expect(await style('engine/telemetry/x.ts', local)).toEqual([
      expect.stringContaining('Mutable<T>'),
    ]);
    expect(await style('engine/core/mutable.ts', local)).toEqual([]);
  });

  it('refuses `export *`', async () => {
    expect(await style('pipelines/x.ts', "export * from './schema.js';")).toEqual([
      expect.stringContaining('export *'),
    ]);
  });

  it('asks for type-only imports of types', async () => {
    const found = await messages(
      'engine/core/x.ts',
      "import { A } from './a.js';\nexport type B = A;",
      '@typescript-eslint/consistent-type-imports',
    );
    expect(found).toHaveLength(1);
  });
});
