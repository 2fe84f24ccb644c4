/**
 * @module Golden values of `snapshot: true` outputs: one JSON file per test file, in
 * `__snapshots__/<test file>.json` next to it, mapping case name → output → tensor. `--update`
 * records what the outputs are now; later runs compare against it. Floats are written in their
 * shortest exact form (an FP32 value reads back bit for bit); NaN and infinities as strings;
 * BYTES as UTF-8 strings, or `{ base64 }` when they are not text.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../core/errors.js';
import type { Tensor } from '../../core/tensor.js';
import type { SnapshotAccess } from '../testing/expect.js';
import type { WrittenValues } from '../testing/tensor-source.js';
import { elements } from '../testing/values.js';
import { isDataType } from '../../core/datatype.js';

type Stored = { datatype: string; shape: number[]; data: unknown[] };
type Doc = Record<string, Record<string, Stored>>;

/**
 * The snapshots of one test file.
 *
 * @example
 * const snaps = await SnapshotFile.open('/r/ocr/tests/ocr.test.yaml', { update: false });
 * await checkOutputs(outputs, expected, { baseDir, snapshots: snaps.forCase('reads the sign') });
 */
export class SnapshotFile {
  readonly path: string;
  readonly #update: boolean;
  readonly #doc: Doc;
  #dirty = false;

  private constructor(file: string, doc: Doc, update: boolean) {
    this.path = file;
    this.#doc = doc;
    this.#update = update;
  }

  /** Where the snapshots of `testFile` are kept. */
  static pathFor(testFile: string): string {
    return path.join(path.dirname(testFile), '__snapshots__', `${path.basename(testFile)}.json`);
  }

  static async open(testFile: string, opts: { readonly update: boolean }): Promise<SnapshotFile> {
    const file = SnapshotFile.pathFor(testFile);
    let doc: Doc = {};
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined) {
      try {
        doc = JSON.parse(text) as Doc;
      } catch (e) {
        throw new EngineError(
          'INVALID_ARG',
          `${file}: not valid JSON (${(e as Error).message}); run braid test --update to write it again`,
        );
      }
    }
    return new SnapshotFile(file, doc, opts.update);
  }

  /** Access for one case's outputs. */
  forCase(name: string): SnapshotAccess {
    const expected = (output: string): WrittenValues | undefined => {
      const s = this.#doc[name]?.[output];
      if (!s) return undefined;
      return {
        values: s.data,
        shape: s.shape,
        ...(isDataType(s.datatype) ? { datatype: s.datatype } : {}),
      };
    };
    if (!this.#update) return { expected };
    return {
      expected,
      record: (output, t) => {
        (this.#doc[name] ??= {})[output] = store(t);
        this.#dirty = true;
      },
    };
  }

  /** Writes the file when something was recorded. Returns whether it wrote. */
  async save(): Promise<boolean> {
    if (!this.#dirty) return false;
    await mkdir(path.dirname(this.path), { recursive: true });
    await writeFile(this.path, formatDoc(this.#doc));
    this.#dirty = false;
    return true;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function store(t: Tensor): Stored {
  if (Array.isArray(t.data)) {
    const data = (t.data as Uint8Array[]).map(b => {
      try {
        return utf8.decode(b);
      } catch {
        return { base64: Buffer.from(b).toString('base64') };
      }
    });
    return { datatype: t.datatype, shape: [...t.shape], data };
  }
  const data = elements(t).map(v => {
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (typeof v === 'number' && !Number.isFinite(v))
      return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
    return v;
  });
  return { datatype: t.datatype, shape: [...t.shape], data };
}

/** One case and output per line group, each tensor on one line, so diffs of golden files read well. */
function formatDoc(doc: Doc): string {
  const cases = Object.entries(doc).map(([name, outputs]) => {
    const lines = Object.entries(outputs).map(
      ([output, t]) =>
        `    ${JSON.stringify(output)}: { "datatype": ${JSON.stringify(t.datatype)}, "shape": ${JSON.stringify(t.shape)}, "data": ${JSON.stringify(t.data)} }`,
    );
    return `  ${JSON.stringify(name)}: {\n${lines.join(',\n')}\n  }`;
  });
  return `{\n${cases.join(',\n')}\n}\n`;
}
