/**
 * @module Scans a model repository: model directories, their version directories and config files,
 * nothing parsed yet.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../core/errors.js';
import { CONFIG_FILE_NAMES } from './config-file.js';
import { fingerprintFiles } from './fingerprint.js';

/** One model directory of a repository, as found on disk (nothing parsed yet). */
export interface RepositoryModel {
  /** The directory name, which is the model name. */
  readonly name: string;
  /** `<root>/<name>` */
  readonly dir: string;
  /** Version directory numbers, ascending. */
  readonly versions: readonly number[];
  /** The first config file found (`config.yaml`, `config.yml`, then `config.json`), if any. */
  readonly configFile?: string;
  /** Fingerprint of the plain files directly in the model directory (config, label files). */
  readonly configFingerprint: string;
  /** Fingerprint of each version directory, two levels deep. */
  readonly versionFingerprints: ReadonlyMap<number, string>;
}

/** Everything {@link scanRepository} found under one repository root. */
export interface RepositoryScan {
  readonly root: string;
  /** Model directories by name, in name order. */
  readonly models: ReadonlyMap<string, RepositoryModel>;
}

/**
 * Whether a directory name is a model version: a positive integer written without a leading
 * zero, as Triton requires (`1`, `12`; not `0`, `01`, `1a`).
 *
 * @example
 * isVersionDirName('3'); // true
 * isVersionDirName('03'); // false
 */
export function isVersionDirName(name: string): boolean {
  return /^[1-9][0-9]*$/.test(name) && Number.isSafeInteger(Number(name));
}

/**
 * Lists the model directories of a repository with their versions, config file and
 * fingerprints. Dot-directories and plain files at the top level are skipped; symbolic links are
 * followed. Only directory listings and `stat` are done, so it is cheap enough for polling.
 * Throws EngineError NOT_FOUND when `root` does not exist or is not a directory.
 *
 * @example
 * const scan = await scanRepository('examples/model_repository');
 * scan.models.get('simple')?.versions; // [1]
 */
export async function scanRepository(root: string): Promise<RepositoryScan> {
  const entries = await readRoot(root);
  const visible = entries.filter(e => !e.name.startsWith('.'));
  const dirs = await Promise.all(
    visible.map(async e => ((await isDirectory(root, e)) ? e.name : undefined)),
  );
  const names = dirs.filter((n): n is string => n !== undefined).sort();
  const models = await Promise.all(names.map(name => scanModel(path.join(root, name), name)));
  return { root, models: new Map(models.map(m => [m.name, m])) };
}

async function readRoot(root: string): Promise<Dirent[]> {
  try {
    return await readdir(root, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const where = `model repository '${root}'`;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const what = code === 'ENOENT' ? 'does not exist' : 'is not a directory';
      throw new EngineError('NOT_FOUND', `${where} ${what}`, { cause: e });
    }
    const detail = (e as Error).message;
    throw new EngineError('INTERNAL', `cannot read ${where}: ${detail}`, { cause: e });
  }
}

async function isDirectory(parent: string, e: Dirent): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  const st = await stat(path.join(parent, e.name)).catch(() => undefined);
  return st?.isDirectory() ?? false;
}

async function isFile(parent: string, e: Dirent): Promise<boolean> {
  if (e.isFile()) return true;
  if (!e.isSymbolicLink()) return false;
  const st = await stat(path.join(parent, e.name)).catch(() => undefined);
  return st?.isFile() ?? false;
}

async function scanModel(dir: string, name: string): Promise<RepositoryModel> {
  // A model directory removed while scanning reads as empty rather than failing the whole scan.
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
  const versions: number[] = [];
  const files = new Set<string>();
  await Promise.all(
    entries.map(async e => {
      if (isVersionDirName(e.name) && (await isDirectory(dir, e))) versions.push(Number(e.name));
      else if (await isFile(dir, e)) files.add(e.name);
    }),
  );
  versions.sort((a, b) => a - b);
  const configName = CONFIG_FILE_NAMES.find(n => files.has(n));
  const [configFingerprint, ...versionPrints] = await Promise.all([
    fingerprintFiles(dir, { depth: 1, filesOnly: true }),
    ...versions.map(v => fingerprintFiles(path.join(dir, String(v)), { depth: 2 })),
  ]);
  return {
    name,
    dir,
    versions,
    ...(configName === undefined ? {} : { configFile: path.join(dir, configName) }),
    configFingerprint: configFingerprint ?? '',
    versionFingerprints: new Map(versions.map((v, i) => [v, versionPrints[i] ?? ''])),
  };
}
