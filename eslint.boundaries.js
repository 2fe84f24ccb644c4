// The dependency rules of shared/design/ARCHITECTURE.md ("an arrow means may import") as one lint
// rule. Each import (static, dynamic, re-export) is resolved against the importing file: a relative
// one to the repository folder it lands in, a bare one to its package. The rule applies to source
// folders only; test/ and examples/ may import anything.
import path from 'node:path';

const ROOT = import.meta.dirname;

/**
 * The source folders, most specific first, and what each may import from the repository. A folder
 * may always import itself; `*` means anything.
 */
const LAYERS = [
  {
    folder: 'engine/core',
    repo: [],
    why: 'engine/core is the leaf layer: it imports nothing in the repository',
  },
  {
    folder: 'engine/lifecycle',
    repo: ['engine/core'],
    why: 'engine/lifecycle imports only engine/core',
  },
  {
    folder: 'engine/scheduling',
    repo: ['engine/core'],
    why: 'engine/scheduling imports only engine/core',
  },
  {
    folder: 'engine/repository',
    repo: ['engine/core'],
    why: 'engine/repository imports only engine/core',
  },
  {
    folder: 'engine/telemetry',
    repo: ['engine/core'],
    why: 'engine/telemetry imports only engine/core',
  },
  {
    folder: 'engine/runtime',
    repo: ['engine/lifecycle', 'engine/scheduling', 'engine/repository', 'engine/core'],
    why: 'engine/runtime imports engine/{lifecycle, scheduling, repository, core}',
  },
  {
    folder: 'engine/server',
    repo: ['engine/runtime', 'engine/core'],
    why: 'engine/server imports engine/runtime and engine/core (the ports the engine exposes), no layer below',
  },
  { folder: 'engine/cli', repo: ['*'], why: 'engine/cli is the composition root' },
  { folder: 'pipelines', repo: ['engine/core'], why: 'pipelines import only engine/core' },
  {
    folder: 'backends/worker-host',
    repo: ['engine/core'],
    why: 'backends/worker-host imports only engine/core and node built-ins',
  },
  {
    folder: 'backends/js',
    repo: ['engine/core', 'backends/worker-host'],
    why: 'a backend imports engine/core and backends/worker-host, never the engine, pipelines or another backend',
  },
  {
    folder: 'backends/onnxruntime',
    repo: ['engine/core', 'backends/worker-host'],
    why: 'a backend imports engine/core and backends/worker-host, never the engine, pipelines or another backend',
  },
  {
    folder: 'ui-schema',
    repo: ['engine/core', 'pipelines'],
    why: 'ui-schema imports engine/core and pipelines',
  },
];

/**
 * Packages only some folders may import. `only` lists the folders allowed; every other source
 * folder is refused. A package not listed here is open to all, except where `packages` below
 * narrows a folder to an allow-list.
 */
const PACKAGES = [
  {
    pattern: /^(hono|@hono\/.+|@grpc\/.+)$/,
    only: ['engine/server'],
    why: 'only engine/server imports hono and grpc-js',
  },
  {
    pattern: /^(prom-client|@opentelemetry\/.+)$/,
    only: ['engine/telemetry'],
    why: 'only engine/telemetry imports prom-client and OpenTelemetry; others use the ports in engine/core',
  },
  { pattern: /^graphology(-.+)?$/, only: ['pipelines'], why: 'graphology stays inside pipelines/' },
  {
    pattern: /^onnxruntime-node$/,
    only: ['backends/onnxruntime'],
    why: 'only backends/onnxruntime imports onnxruntime-node',
  },
];

/** Folders whose package imports are an allow-list (node built-ins are `node:`). */
const ALLOWED_PACKAGES = {
  'engine/core': {
    // The system clock times sub-millisecond waits on a helper thread (core/precise-timer.ts).
    pattern: /^(zod|node:worker_threads)$/,
    why: 'engine/core depends on zod only (and node:worker_threads for the precise timers)',
  },
  'backends/worker-host': {
    pattern: /^node:/,
    why: 'backends/worker-host imports only engine/core and node built-ins',
  },
};

/** The layer (LAYERS folder) a repository-relative path belongs to, if any. */
function layerOf(relPath) {
  return LAYERS.find(l => relPath === l.folder || relPath.startsWith(`${l.folder}/`));
}

/** The package name of a bare specifier: `@scope/name` or `name`, without a subpath. */
function packageOf(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Why `spec`, imported from a file of `from`, breaks a rule; undefined when allowed. */
function violation(from, fileDir, spec) {
  if (spec.startsWith('.') || spec.startsWith('/')) {
    const target = path.relative(ROOT, path.resolve(fileDir, spec)).split(path.sep).join('/');
    if (target.startsWith('..')) return undefined;
    const to = layerOf(target);
    const toName = to ? to.folder : target.split('/')[0];
    if (to === from || from.repo.includes('*') || from.repo.includes(toName)) return undefined;
    return `${from.folder} must not import ${toName} (${target}): ${from.why}.`;
  }
  const pkg = packageOf(spec);
  const allowList = ALLOWED_PACKAGES[from.folder];
  if (allowList && !allowList.pattern.test(pkg))
    return `${from.folder} must not import '${pkg}': ${allowList.why}.`;
  const rule = PACKAGES.find(p => p.pattern.test(pkg));
  if (rule && !rule.only.includes(from.folder))
    return `${from.folder} must not import '${pkg}': ${rule.why}.`;
  return undefined;
}

/** The `braid/boundaries` rule. */
export const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the dependency rules of ARCHITECTURE.md between source folders' },
    schema: [],
    messages: { boundary: '{{message}}' },
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const from = layerOf(file);
    if (!from) return {};
    const fileDir = path.dirname(context.filename);
    const check = source => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const message = violation(from, fileDir, source.value);
      if (message) context.report({ node: source, messageId: 'boundary', data: { message } });
    };
    return {
      ImportDeclaration: node => check(node.source),
      ExportNamedDeclaration: node => check(node.source),
      ExportAllDeclaration: node => check(node.source),
      ImportExpression: node => check(node.source),
      TSImportType: node =>
        check(node.argument?.type === 'TSLiteralType' ? node.argument.literal : node.argument),
    };
  },
};
