/**
 * Candidate configurations as files: the model's own config.yaml (comments and all) with the
 * searched settings written into it, and the base settings read from the server's completed
 * config (`GET /v2/models/{m}/config`).
 *
 * @module
 */
import { Document, parseDocument } from 'yaml';
import { EngineError } from '../../core/errors.js';
import type { BaseSettings, Candidate } from './space.js';

interface CompletedTensor {
  readonly name: string;
  readonly data_type: string;
  readonly dims: readonly number[];
  readonly reshape?: { readonly shape: readonly number[] };
  readonly optional?: boolean;
}

/** The parts of a completed model config that analyze reads. */
export interface CompletedConfig {
  readonly backend?: string;
  readonly platform?: string;
  readonly max_batch_size?: number;
  readonly input?: readonly CompletedTensor[];
  readonly output?: readonly CompletedTensor[];
  readonly instance_group?: readonly { readonly count?: number; readonly kind?: string }[];
  readonly dynamic_batching?: {
    readonly max_queue_delay_microseconds?: number;
    readonly preferred_batch_size?: readonly number[];
  };
  readonly parameters?: Readonly<Record<string, { readonly string_value?: string }>>;
}

/**
 * The searched settings of a completed config.
 *
 * @example
 * baseSettings(await (await fetch(`${origin}/v2/models/mlp/config`)).json());
 */
export function baseSettings(c: CompletedConfig): BaseSettings {
  const groups = c.instance_group ?? [];
  const threads = c.parameters?.['intra_op_thread_count']?.string_value;
  const backend =
    c.backend || (c.platform?.startsWith('onnxruntime') ? 'onnxruntime' : (c.platform ?? ''));
  const maxBatchSize = c.max_batch_size ?? 0;
  return {
    backend,
    batches: maxBatchSize > 0,
    oneGroup: groups.length <= 1,
    maxBatchSize,
    queueDelayUs: c.dynamic_batching
      ? (c.dynamic_batching.max_queue_delay_microseconds ?? 0)
      : 'off',
    preferred: c.dynamic_batching?.preferred_batch_size ?? [],
    instances: groups.reduce((n, g) => n + (g.count ?? 1), 0) || 1,
    intraOpThreads: threads === undefined || threads === '' ? 'default' : Number(threads),
  };
}

function tensorsYaml(list: readonly CompletedTensor[]): unknown[] {
  return list.map(t => ({
    name: t.name,
    data_type: t.data_type,
    dims: [...t.dims],
    ...(t.reshape ? { reshape: { shape: [...t.reshape.shape] } } : {}),
    ...(t.optional ? { optional: true } : {}),
  }));
}

/**
 * Parses a config file's text (YAML or JSON) into a document that keeps its comments; an empty
 * document for a model without a config file.
 *
 * @example
 * const doc = configDocument(readFileSync('models/mlp/config.yaml', 'utf8'), 'mlp');
 */
export function configDocument(text: string | undefined, model: string): Document {
  if (text === undefined || text.trim() === '') return new Document({});
  const doc = parseDocument(text);
  if (doc.errors.length > 0)
    throw new EngineError('INVALID_ARG', `config of model '${model}': ${doc.errors[0]!.message}`);
  return doc;
}

function writeBatching(doc: Document, c: Candidate): void {
  if (c.queueDelayUs === 'off') {
    doc.delete('dynamic_batching');
    return;
  }
  doc.setIn(['dynamic_batching', 'max_queue_delay_microseconds'], c.queueDelayUs);
  // A preferred size above max_batch_size is an invalid config; such sizes fall away.
  const preferred =
    c.preferred === 'max' ? [c.maxBatchSize] : c.preferred.filter(n => n <= c.maxBatchSize);
  if (preferred.length === 0) doc.deleteIn(['dynamic_batching', 'preferred_batch_size']);
  else
    doc.setIn(
      ['dynamic_batching', 'preferred_batch_size'],
      doc.createNode([...preferred], { flow: true }),
    );
}

function writeInstances(doc: Document, c: Candidate, completed: CompletedConfig): void {
  const groups = doc.get('instance_group');
  if (groups && doc.hasIn(['instance_group', 0])) {
    doc.setIn(['instance_group', 0, 'count'], c.instances);
    return;
  }
  const kind = completed.instance_group?.[0]?.kind ?? 'KIND_CPU';
  doc.set('instance_group', doc.createNode([{ count: c.instances, kind }], { flow: true }));
}

/**
 * The config text of a candidate: `doc` (the model's own config) with max_batch_size, the
 * dynamic batcher, the instance count and ONNX Runtime's intra-op threads set. Inputs and
 * outputs are copied from the completed config when the file lists none, so that the text
 * means the same to auto-complete (which would otherwise add a dynamic batcher of its own).
 *
 * @example
 * const text = candidateConfigText(doc, candidate, completed, base);
 */
export function candidateConfigText(
  doc: Document,
  c: Candidate,
  completed: CompletedConfig,
  base: BaseSettings,
): string {
  const out = doc.clone();
  for (const key of ['input', 'output'] as const) {
    if (!out.has(key)) out.set(key, out.createNode(tensorsYaml(completed[key] ?? [])));
  }
  out.set('max_batch_size', c.maxBatchSize);
  if (base.batches) writeBatching(out, c);
  if (base.oneGroup) writeInstances(out, c, completed);
  if (base.backend === 'onnxruntime') {
    if (c.intraOpThreads === 'default') {
      if (out.hasIn(['parameters', 'intra_op_thread_count']))
        out.deleteIn(['parameters', 'intra_op_thread_count']);
    } else {
      const value = out.createNode({ string_value: String(c.intraOpThreads) }, { flow: true });
      out.setIn(['parameters', 'intra_op_thread_count'], value);
    }
  }
  return out.toString();
}
