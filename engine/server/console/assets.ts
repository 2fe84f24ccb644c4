/**
 * @module
 * The console's built files (index.html, the script and stylesheet bundles), read once into
 * memory from the package's `dist/console`, where `npm run build` writes them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One served file. */
export interface ConsoleAsset {
  readonly body: Uint8Array;
  readonly contentType: string;
}

/** The console's files by name (`index.html`, `console.js`, ...). */
export type ConsoleAssets = ReadonlyMap<string, ConsoleAsset>;

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The Content-Security-Policy of every console answer: scripts, styles and fetches from this
 * origin only, no inline script or style element, no framing, no plugins. Images may also be
 * `blob:` (uploaded files and rendered tensors) and `data:`.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The folder of the built console: `dist/console` of the package holding this file, found by
 * walking up to the nearest `package.json` (so it works from `dist/` and from the sources).
 */
export function defaultAssetsDir(
  from: string = path.dirname(fileURLToPath(import.meta.url)),
): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return path.join(from, 'console');
    dir = up;
  }
  return path.join(dir, 'dist', 'console');
}

/**
 * Reads the files of `dir` with a known type; an empty map when the folder is missing (the
 * console then answers 503 saying to build it).
 *
 * @example
 * const assets = readConsoleAssets(defaultAssetsDir());
 * assets.get('index.html')?.contentType; // 'text/html; charset=utf-8'
 */
export function readConsoleAssets(dir: string): ConsoleAssets {
  const out = new Map<string, ConsoleAsset>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const contentType = TYPES[path.extname(name)];
    if (contentType) out.set(name, { body: readFileSync(path.join(dir, name)), contentType });
  }
  return out;
}
