/**
 * @module The test file of a pipeline or model (`*.test.yaml`, conventionally in
 * `<repo>/<pipeline>/tests/`) as a zod schema: what `braid test` runs, the single source of the
 * format, from which ui-schema/pipeline-test.schema.json is generated. Objects are strict, so a
 * misspelt key is an error naming it.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../engine/core/errors.js';
import { STEP_OUTCOMES } from './executor/step-stats.js';
import { DataTypeNameSchema } from './schema.js';

const ERROR_CODE = z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES]);

const Data = z
  .array(z.unknown())
  .describe(
    'Row-major elements; nested lists are flattened. BYTES as strings; floats may be NaN or ±Infinity (.nan / .inf, or the strings "NaN", "Infinity")',
  );

const File = z
  .string()
  .min(1)
  .describe(
    'A file relative to this test file: .npy (NumPy array), .json (a tensor { datatype, shape, data } or a nested list; #/json/pointer picks a part), else its bytes as one BYTES element',
  );

const Format = z
  .enum(['npy', 'json', 'raw'])
  .describe('How to read `file` when its extension does not say: raw bytes, NumPy, JSON');

/** A tensor written in a test file: literal data or a file. */
export const TestTensorSchema = z.strictObject({
  datatype: DataTypeNameSchema.optional().describe(
    'Required unless the file says it (.npy, a JSON tensor)',
  ),
  shape: z
    .array(z.number().int().min(0))
    .optional()
    .describe("Full shape; by default the nesting of `data`, or the file's"),
  data: Data.optional(),
  file: File.optional(),
  format: Format.optional(),
});

/** What replaces a model or module the pipeline calls while a case runs. */
export const StubSchema = z
  .strictObject({
    outputs: z
      .record(z.string().min(1), TestTensorSchema)
      .optional()
      .describe('Fixed outputs, returned for every call'),
    module: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A .ts/.js module (relative to this file) whose execute(inputs, { outputs }) answers instead',
      ),
    error: ERROR_CODE.optional().describe('Fail calls with this error code …'),
    times: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('… this many times per request, then answer normally (default: every call)'),
    message: z.string().optional().describe('Message of the injected error'),
    delay_ms: z
      .number()
      .min(0)
      .optional()
      .describe(
        'Answer this much later. In-process the clock jumps, so deadlines and timeouts fire without waiting',
      ),
  })
  .describe('Without outputs or module, calls go on to the real model after the fault or delay');

/** How a step ended, as `steps:` expects it. `not_run`: never started (pruned, or not reached). */
export const StepStatusSchema = z.enum([...STEP_OUTCOMES, 'not_run']);

const StepExpect = z.union([
  StepStatusSchema,
  z.strictObject({
    status: StepStatusSchema.optional(),
    retries: z.number().int().min(0).optional(),
    calls: z.number().int().min(0).optional(),
    items: z.number().int().min(0).optional().describe('Map items'),
  }),
]);

/** What one output must be. */
export const OutputExpectSchema = z.strictObject({
  datatype: DataTypeNameSchema.optional(),
  shape: z.array(z.number().int().min(-1)).optional().describe('-1 matches any size'),
  data: Data.optional().describe('Every element, in order'),
  file: File.optional().describe('Expected elements (and shape) from a file'),
  format: Format.optional(),
  atol: z
    .number()
    .min(0)
    .optional()
    .describe('Absolute tolerance of floats: |received - expected| <= atol + rtol * |expected|'),
  rtol: z.number().min(0).optional().describe('Relative tolerance of floats'),
  min: z.number().optional().describe('Every element at least this'),
  max: z.number().optional().describe('Every element at most this'),
  contains: z.array(z.string()).optional().describe('BYTES: each string occurs in some element'),
  ignore_case: z.boolean().optional().describe('BYTES: compare case-insensitively'),
  collapse_whitespace: z
    .boolean()
    .optional()
    .describe('BYTES: trim and treat runs of whitespace as one space'),
  snapshot: z
    .boolean()
    .optional()
    .describe('Compare with the golden file recorded by `braid test --update`'),
});

/** What a case must produce. */
export const CaseExpectSchema = z.strictObject({
  outputs: z.record(z.string().min(1), OutputExpectSchema).optional(),
  steps: z
    .record(z.string().min(1), StepExpect)
    .optional()
    .describe('How named steps ended: ran, skipped, returned, ...'),
  error: z
    .strictObject({
      status: z.number().int().min(100).max(599).optional().describe('HTTP status'),
      code: ERROR_CODE.optional().describe('Engine error code (its HTTP status over --url)'),
      message: z.string().optional().describe('A substring of the message'),
    })
    .optional()
    .describe('The request must fail'),
});

/** One request and what it must produce. */
export const TestCaseSchema = z.strictObject({
  name: z.string().min(1),
  inputs: z.record(z.string().min(1), TestTensorSchema).default({}),
  parameters: z
    .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('Request parameters'),
  outputs: z.array(z.string().min(1)).optional().describe('Outputs to ask for (default all)'),
  stubs: z
    .record(z.string().min(1), StubSchema)
    .optional()
    .describe("Stubs of this case, over the file's"),
  repeat: z
    .number()
    .int()
    .min(1)
    .max(100_000)
    .default(1)
    .describe('Send the request this many times, checking each answer'),
  warmup: z
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(0)
    .describe('Requests sent first, neither checked nor timed'),
  latency: z
    .strictObject({
      p50_ms: z.number().positive().optional(),
      p90_ms: z.number().positive().optional(),
      p99_ms: z.number().positive().optional(),
      max_ms: z.number().positive().optional(),
    })
    .optional()
    .describe('Latency budget over the repeats'),
  skip: z.boolean().default(false),
  expect: CaseExpectSchema.default({}),
});

/** A whole test file. */
export const PipelineTestFileSchema = z.strictObject({
  pipeline: z.string().min(1).describe('A pipeline or model of the repository'),
  version: z.number().int().min(1).optional(),
  description: z.string().optional(),
  stubs: z
    .record(
      z.string().min(1).describe('A model name, or a module path as the pipeline writes it'),
      StubSchema,
    )
    .optional()
    .describe('Replace models or modules the pipeline calls (in-process only)'),
  cases: z.array(TestCaseSchema).min(1),
});

/** A parsed test file, defaults filled in. */
export type PipelineTestFile = z.output<typeof PipelineTestFileSchema>;
/** One parsed case. */
export type TestCaseDecl = z.output<typeof TestCaseSchema>;
/** A tensor as a test file writes it. */
export type TestTensorDecl = z.output<typeof TestTensorSchema>;
/** A stub as a test file writes it. */
export type StubDecl = z.output<typeof StubSchema>;
/** An output expectation as a test file writes it. */
export type OutputExpectDecl = z.output<typeof OutputExpectSchema>;
/** A case's expectations. */
export type CaseExpectDecl = z.output<typeof CaseExpectSchema>;
/** A step status as `steps:` names it. */
export type StepStatusDecl = z.output<typeof StepStatusSchema>;
