/**
 * @module
 * `--backend-config [BACKEND,]SETTING=VALUE`, as Triton writes it (src/command_line_parser.cc
 * `ParseBackendConfigOption`): a setting without a backend applies to every backend, and a
 * backend's own setting wins over it. Settings Braid has no use for are refused by name.
 */
import { int, usage } from './flag-values.js';

/** What `--backend-config` sets. */
export interface BackendSettings {
  /** `default-max-batch-size=N`: max_batch_size that auto-complete gives models that can batch. */
  defaultMaxBatchSize?: number;
  /** `js,max-heap-mb=N`: heap limit of a JS model's worker, in MB. */
  jsMaxHeapMb?: number;
  /** `js,execute-timeout-ms=N`: longest a JS model's `execute` may run; 0 never stops it. */
  jsExecuteTimeoutMs?: number;
}

type Key = keyof BackendSettings;

/** The settings: `[backend,]setting` → what it sets and its least value. */
const SETTINGS = new Map<string, { readonly key: Key; readonly min: number }>([
  ['default-max-batch-size', { key: 'defaultMaxBatchSize', min: 0 }],
  ['onnxruntime,default-max-batch-size', { key: 'defaultMaxBatchSize', min: 0 }],
  ['js,max-heap-mb', { key: 'jsMaxHeapMb', min: 1 }],
  ['js,execute-timeout-ms', { key: 'jsExecuteTimeoutMs', min: 0 }],
]);

/**
 * Reads every `--backend-config` value; backend-specific settings override global ones whatever
 * their order.
 *
 * @example
 * parseBackendConfig(['default-max-batch-size=8', 'js,max-heap-mb=256']); // { defaultMaxBatchSize: 8, jsMaxHeapMb: 256 }
 */
export function parseBackendConfig(values: readonly string[]): BackendSettings {
  const global: BackendSettings = {};
  const specific: BackendSettings = {};
  for (const bc of values) {
    const eq = bc.indexOf('=');
    const name = eq < 0 ? '' : bc.slice(0, eq);
    const setting = SETTINGS.get(name);
    if (!setting) {
      throw usage(
        `unsupported --backend-config '${bc}' (supported: ${[...SETTINGS.keys()].map(k => `${k}=N`).join(', ')})`,
      );
    }
    const flag = `--backend-config ${name}`;
    const value = bc.slice(eq + 1);
    if (!/^\d+$/.test(value)) throw usage(`${flag} must be a whole number, got '${value}'`);
    (name.includes(',') ? specific : global)[setting.key] = int(flag, value, setting.min);
  }
  return { ...global, ...specific };
}
