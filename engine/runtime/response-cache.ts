/**
 * @module Triton's response cache (`--cache-config local,size=BYTES`): one LRU cache by bytes,
 * shared by every model that enables it, keyed by a hash of what decides a response: the model,
 * its version, every input (name, datatype, shape, contents), the outputs asked for and the
 * request parameters that can change outputs.
 */
import { createHash, type Hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ParameterValue } from '../core/request.js';
import type { Tensor, TensorMap } from '../core/tensor.js';

/**
 * Request parameters that change how or when a response is delivered, never what it holds:
 * left out of the key, so a request differing only in them is a hit.
 */
const DELIVERY_PARAMETERS: ReadonlySet<string> = new Set([
  'priority',
  'timeout',
  'binary_data_output',
]);

/** Bytes an entry costs beyond its tensor contents (key, map, tensor headers), so tiny entries still count. */
const ENTRY_OVERHEAD = 128;
const TENSOR_OVERHEAD = 64;

/** What a cache key is computed from: a request as its version's scheduler receives it. */
export interface CacheKeyParts {
  readonly model: string;
  readonly version: number;
  readonly inputs: TensorMap;
  /** The outputs asked for; absent means every output. */
  readonly outputs?: readonly string[];
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
}

/** What the cache keeps of a response: its outputs and parameters. */
export interface CachedResponse {
  readonly outputs: TensorMap;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
}

interface Entry {
  readonly response: CachedResponse;
  readonly bytes: number;
}

/** Counts of the cache as a whole. */
export interface ResponseCacheStats {
  readonly entries: number;
  /** Bytes held now, by the same count the size limit uses. */
  readonly bytes: number;
  readonly sizeBytes: number;
}

/**
 * The server's response cache: least recently used entries are evicted once the bytes held
 * would pass `sizeBytes`; a response larger than the whole cache is not kept. Entries are
 * copies, and hits hand out copies, so no caller ever shares buffers with another.
 *
 * @example
 * const cache = new ResponseCache({ sizeBytes: 1 << 20 });
 * const key = responseCacheKey({ model: 'simple', version: 1, inputs });
 * cache.get(key) ?? cache.set(key, await run());
 */
export class ResponseCache {
  readonly #lru: LRUCache<string, Entry>;
  readonly #sizeBytes: number;

  constructor(opts: { readonly sizeBytes: number }) {
    this.#sizeBytes = opts.sizeBytes;
    this.#lru = new LRUCache<string, Entry>({
      maxSize: opts.sizeBytes,
      sizeCalculation: e => e.bytes,
    });
  }

  /** The response kept under `key` (a copy), now the most recently used; undefined on a miss. */
  get(key: string): CachedResponse | undefined {
    const e = this.#lru.get(key);
    return e && copyResponse(e.response);
  }

  /** Keeps a copy of `response` under `key`, evicting the least recently used as needed; false when it is larger than the cache. */
  set(key: string, response: CachedResponse): boolean {
    const bytes = ENTRY_OVERHEAD + key.length + responseBytes(response);
    if (bytes > this.#sizeBytes) return false;
    this.#lru.set(key, { response: copyResponse(response), bytes });
    return true;
  }

  stats(): ResponseCacheStats {
    return { entries: this.#lru.size, bytes: this.#lru.calculatedSize, sizeBytes: this.#sizeBytes };
  }
}

/**
 * The cache key of a request: `model/version/` and a SHA-256 over every input in name order
 * (name, datatype, shape, contents), the outputs asked for and the parameters that can change
 * outputs (all but priority, timeout and binary_data_output). Every field is length-framed, so
 * no two different requests write the same bytes.
 *
 * @example
 * responseCacheKey({ model: 'simple', version: 1, inputs, outputs: ['OUTPUT0'] }); // 'simple/1/3f2a…'
 */
export function responseCacheKey(parts: CacheKeyParts): string {
  const h = createHash('sha256');
  const names = [...parts.inputs.keys()].sort();
  frame(h, String(names.length));
  for (const name of names) hashTensor(h, name, parts.inputs.get(name)!);
  frame(h, parts.outputs ? JSON.stringify([...parts.outputs].sort()) : '*');
  frame(h, keptParameters(parts.parameters));
  return `${parts.model}/${parts.version}/${h.digest('hex')}`;
}

function frame(h: Hash, s: string): void {
  h.update(`${Buffer.byteLength(s)}:`);
  h.update(s);
}

function hashTensor(h: Hash, name: string, t: Tensor): void {
  frame(h, name);
  frame(h, t.datatype);
  frame(h, t.shape.join(','));
  if (Array.isArray(t.data)) {
    frame(h, String(t.data.length));
    for (const el of t.data) {
      h.update(`${el.byteLength}:`);
      h.update(el);
    }
  } else {
    h.update(`${t.data.byteLength}:`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
}

function keptParameters(p: Readonly<Record<string, ParameterValue>> | undefined): string {
  if (!p) return '[]';
  const kept = Object.keys(p)
    .filter(k => !DELIVERY_PARAMETERS.has(k))
    .sort()
    .map(k => [k, typeof p[k], p[k]]);
  return JSON.stringify(kept);
}

function responseBytes(r: CachedResponse): number {
  let n = r.parameters ? JSON.stringify(r.parameters).length : 0;
  for (const [name, t] of r.outputs) {
    n += TENSOR_OVERHEAD + name.length + t.shape.length * 8;
    n += Array.isArray(t.data)
      ? t.data.reduce((s, el) => s + el.byteLength + 8, 0)
      : t.data.byteLength;
  }
  return n;
}

function copyResponse(r: CachedResponse): CachedResponse {
  const outputs: TensorMap = new Map();
  for (const [name, t] of r.outputs) outputs.set(name, copyTensor(t));
  return r.parameters ? { outputs, parameters: { ...r.parameters } } : { outputs };
}

function copyTensor(t: Tensor): Tensor {
  const data = Array.isArray(t.data) ? t.data.map(el => el.slice()) : t.data.slice();
  return { datatype: t.datatype, shape: [...t.shape], data };
}
