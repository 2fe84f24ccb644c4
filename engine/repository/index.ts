/**
 * The model repository: scanning directories, reading and validating configs (YAML, JSON and
 * Triton's config.pbtxt, and converting between them), Triton's auto-complete, version policies
 * and backend selection. Everything here except the scan and the config read is pure.
 *
 * @module
 */
export { DEFAULT_MAX_BATCH_SIZE, completeModelConfig } from './auto-complete.js';
export type { CompleteOptions } from './auto-complete.js';
export { resolveBackend } from './backend-resolve.js';
export { CONFIG_FILE_NAMES, lineColAt, parseConfigText, readModelConfig } from './config-file.js';
export type { RawModelConfig } from './config-file.js';
export { configSource, createConfigLocator } from './config-locator.js';
export { normalizeModelConfig } from './config-normalize.js';
export type { NormalizeOptions } from './config-normalize.js';
export { formatPath, parseModelConfig } from './config-parse.js';
export type { ParseConfigOptions } from './config-parse.js';
export { diffScans } from './diff.js';
export type { ScanDiff } from './diff.js';
export { fingerprintFiles } from './fingerprint.js';
export type { FingerprintOptions } from './fingerprint.js';
export { batchingBlocker, formatShape, validateConfigIo } from './io-validate.js';
export { repositoryRootForms, withoutRepositoryRoot } from './host-paths.js';
export { modelFiles } from './model-files.js';
export { PbtxtSyntaxError } from './pbtxt/lexer.js';
export { fromProtoJson } from './pbtxt/proto-json.js';
export { yamlToPbtxt } from './pbtxt/to-pbtxt.js';
export { pbtxtToYaml } from './pbtxt/to-yaml.js';
export { isVersionDirName, scanRepository } from './scan.js';
export type { RepositoryModel, RepositoryScan } from './scan.js';
export { createSourceLocator } from './source-position.js';
export type { SourceLocator, SourcePosition } from './source-position.js';
export { missingVersions, selectVersions } from './version-policy.js';
