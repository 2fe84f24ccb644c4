/**
 * @module Reading `*.test.yaml` files: YAML with source positions, checked against the test file
 * schema, so every problem and every case is reported with its file and line.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { EngineError } from '../../core/errors.js';
import { createLocator, PipelineTestFileSchema } from '../../../pipelines/index.js';
import type { PipelineTestFile } from '../../../pipelines/index.js';

/** A test file, parsed. */
export interface TestFile {
  /** Absolute path. */
  readonly path: string;
  /** As messages print it (relative to the current directory). */
  readonly label: string;
  readonly dir: string;
  readonly decl: PipelineTestFile;
  /** Line of each case (1-based), in case order. */
  readonly caseLines: readonly number[];
}

/**
 * Reads and checks one test file. Throws INVALID_ARG listing every problem as `file:line:col:`.
 *
 * @example
 * const f = await readTestFile('examples/model_repository/ocr/tests/ocr.test.yaml');
 * f.decl.cases[0]?.name; // 'reads the sign'
 */
export async function readTestFile(file: string): Promise<TestFile> {
  const full = path.resolve(file);
  const relative = path.relative(process.cwd(), full);
  const label = relative === '' || relative.startsWith('..') ? full : relative;
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (e) {
    throw new EngineError('INVALID_ARG', `${label}: cannot read: ${(e as Error).message}`);
  }
  return parseTestFile(text, full, label);
}

/**
 * Parses the text of a test file; `label` names it in messages.
 *
 * @example
 * parseTestFile('pipeline: ocr\ncases: [{ name: a }]\n', '/r/ocr/tests/a.test.yaml', 'a.test.yaml');
 */
export function parseTestFile(text: string, full: string, label: string): TestFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map(e => {
      const at = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      return `${label}:${at.line}:${at.col}: YAML syntax: ${e.message.split('\n')[0] ?? e.message}`;
    });
    throw new EngineError('INVALID_ARG', lines.join('\n'));
  }
  const locate = createLocator(doc, lineCounter);
  const raw: unknown = doc.toJS();
  const parsed = PipelineTestFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap(issue => {
      const keys =
        issue.code === 'unrecognized_keys' ? issue.keys.map(k => [...issue.path, k]) : [issue.path];
      return keys.map(p => {
        const at = locate(p, { key: issue.code === 'unrecognized_keys' });
        const where =
          p
            .map(s => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`))
            .join('')
            .replace(/^\./, '') || 'file';
        const message =
          issue.code === 'unrecognized_keys' ? `unknown key '${String(p.at(-1))}'` : issue.message;
        return `${label}:${at?.line ?? 0}:${at?.col ?? 0}: ${where}: ${message}`;
      });
    });
    throw new EngineError('INVALID_ARG', lines.join('\n'));
  }
  const caseLines = parsed.data.cases.map((_, i) => locate(['cases', i])?.line ?? 0);
  const names = new Set<string>();
  parsed.data.cases.forEach((c, i) => {
    if (names.has(c.name))
      throw new EngineError(
        'INVALID_ARG',
        `${label}:${caseLines[i]}: two cases are named '${c.name}'; names identify cases (and their snapshots)`,
      );
    names.add(c.name);
  });
  return { path: full, label, dir: path.dirname(full), decl: parsed.data, caseLines };
}
