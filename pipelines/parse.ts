/**
 * @module Reads a pipeline file: YAML with source positions, then the zod schema. Problems
 * become diagnostics with line and column instead of exceptions, so one run reports them all.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { Diagnostics } from './diagnostics.js';
import { PipelineFileSchema } from './schema.js';
import type { PipelineFile } from './schema.js';
import { createLocator } from './source.js';

/** A pipeline file read from text. `pipeline` is absent when the text has errors. */
export interface ParsedPipeline {
  readonly pipeline?: PipelineFile;
  readonly diagnostics: Diagnostics;
}

/**
 * Parses and schema-checks the text of a pipeline file. `file` names it in diagnostics.
 *
 * @example
 * const { pipeline, diagnostics } = parsePipelineText(text, 'models/ocr/1/pipeline.yaml');
 * diagnostics.throwIfErrors('ocr');
 */
export function parsePipelineText(text: string, file: string): ParsedPipeline {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const diagnostics = new Diagnostics(file, createLocator(doc, lineCounter));
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      // Syntax errors carry their own position; a broken document has no paths to locate.
      const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      diagnostics.errorAt(at.line, at.col, `YAML syntax: ${e.message.split('\n')[0] ?? e.message}`);
    }
    return { diagnostics };
  }
  const raw: unknown = doc.toJS();
  const result = PipelineFileSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) reportIssue(diagnostics, issue, raw);
    return { diagnostics };
  }
  return { pipeline: result.data, diagnostics };
}

function reportIssue(diagnostics: Diagnostics, issue: z.core.$ZodIssue, raw: unknown): void {
  const path = issue.path;
  const step = stepName(path, raw);
  const where = path
    .map(p => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    for (const key of issue.keys) {
      diagnostics.error(
        { path: [...path, key], key: true, ...(step ? { step } : {}) },
        `unknown key '${key}'${where ? ` in ${where}` : ''}`,
      );
    }
    return;
  }
  diagnostics.error({ path, ...(step ? { step } : {}) }, `${where || 'file'}: ${issue.message}`);
}

/** The name of the step a path points into, or its position when it has no usable name. */
function stepName(path: readonly PropertyKey[], raw: unknown): string | undefined {
  if (path[0] !== 'steps' || typeof path[1] !== 'number') return undefined;
  const steps = (raw as { steps?: unknown } | null)?.steps;
  const step: unknown = Array.isArray(steps) ? steps[path[1]] : undefined;
  const name = (step as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : `#${path[1] + 1}`;
}
