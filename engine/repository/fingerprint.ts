/**
 * @module A cheap change detector for a model directory (poll mode): a hash of every file's path,
 * size and mtime.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** What {@link fingerprintFiles} looks at. */
export interface FingerprintOptions {
  /** How many directory levels to descend: 1 = only the entries of `dir`. */
  readonly depth: number;
  /** Only plain files (and links to them) directly in `dir`, no subdirectories at all. */
  readonly filesOnly?: boolean;
}

/**
 * A cheap change detector for a directory: a hash of the relative path, size and mtime of every
 * entry down to `depth` levels. Contents are never read, so a poll over a large repository costs
 * one `stat` per entry. Entries whose names start with a dot are ignored, which keeps editor swap
 * files and Kubernetes' `..data` links from looking like changes.
 *
 * @example
 * const before = await fingerprintFiles('/models/simple/1', { depth: 2 });
 */
export async function fingerprintFiles(dir: string, opts: FingerprintOptions): Promise<string> {
  const lines: string[] = [];
  await collect(dir, '', opts.depth, opts.filesOnly ?? false, lines);
  lines.sort();
  return createHash('sha1').update(lines.join('\n')).digest('hex').slice(0, 16);
}

async function collect(
  dir: string,
  rel: string,
  depth: number,
  filesOnly: boolean,
  out: string[],
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    // A directory removed between the scan and now reads as empty; the next poll sees the rest.
    return;
  }
  await Promise.all(
    entries
      .filter(e => !e.name.startsWith('.'))
      .map(async e => {
        const full = path.join(dir, e.name);
        const relName = rel === '' ? e.name : `${rel}/${e.name}`;
        const st = await stat(full).catch(() => undefined);
        if (!st) return;
        if (st.isDirectory()) {
          if (filesOnly) return;
          out.push(`${relName}/\t${st.mtimeMs}`);
          if (depth > 1) await collect(full, relName, depth - 1, filesOnly, out);
        } else if (st.isFile()) {
          out.push(`${relName}\t${st.size}\t${st.mtimeMs}`);
        }
      }),
  );
}
