// Lint rules for the whole repository: typescript-eslint's recommended set (syntax only, no type
// information, so `npm run lint` stays fast), the habits STYLE.md asks for, and the dependency
// rules of ARCHITECTURE.md as the `braid/boundaries` rule (table in eslint.boundaries.js).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { boundaries } from './eslint.boundaries.js';

/** Node's globals that plain JavaScript files use (the `globals` package is not a dependency). */
const NODE_GLOBALS = [
  'AbortController',
  'AbortSignal',
  'Blob',
  'Buffer',
  'URL',
  'URLSearchParams',
  'TextDecoder',
  'TextEncoder',
  'clearInterval',
  'clearTimeout',
  'console',
  'fetch',
  'globalThis',
  'performance',
  'process',
  'queueMicrotask',
  'setImmediate',
  'setInterval',
  'setTimeout',
  'structuredClone',
];

/** Syntax STYLE.md rules out, as `no-restricted-syntax` entries. */
const NO_EXPORT_ALL = {
  selector: 'ExportAllDeclaration',
  message: 'Name what a module re-exports; no `export *` (STYLE.md rule 13).',
};

/** One private-member style: ECMAScript `#x`, not TypeScript's `private`/`protected` keywords. */
const PRIVATE_FIELDS =
  'Use an ECMAScript private member (#name) instead of TypeScript `private`/`protected` (STYLE.md: private fields #x).';
const PRIVATE_MEMBERS = [
  { selector: 'TSParameterProperty', message: PRIVATE_FIELDS },
  {
    selector:
      ':matches(PropertyDefinition, TSAbstractPropertyDefinition)[accessibility=/^(private|protected)$/]',
    message: PRIVATE_FIELDS,
  },
  {
    selector:
      ':matches(MethodDefinition, TSAbstractMethodDefinition)[kind!="constructor"][accessibility=/^(private|protected)$/]',
    message: PRIVATE_FIELDS,
  },
];

/** A writable copy of a readonly type is `Mutable<T>`, defined once. */
const LOCAL_MUTABLE = {
  selector: 'TSMappedType[readonly="-"]',
  message: 'Use Mutable<T> from engine/core/mutable.ts instead of a local `-readonly` mapped type.',
};

export default defineConfig(
  globalIgnores([
    'dist/',
    'coverage/',
    '.cache/',
    'node_modules/',
    'test/bench/.models/',
    'test/bench/.results/',
    'braid-analyze-*/',
  ]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.{ts,js,mjs}'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { braid: { rules: { boundaries } } },
    rules: {
      'braid/boundaries': 'error',
      'no-console': 'error',
      // A timer handle assigned after the closure that clears it is declared stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': ['error', NO_EXPORT_ALL, ...PRIVATE_MEMBERS, LOCAL_MUTABLE],
    },
  },
  {
    // Where Mutable<T> is defined.
    files: ['engine/core/mutable.ts'],
    rules: { 'no-restricted-syntax': ['error', NO_EXPORT_ALL, ...PRIVATE_MEMBERS] },
  },
  {
    // Tests may use TypeScript's parameter properties in their doubles, and `any` where a gRPC
    // client is generated at run time from the .proto file; the house style binds source files.
    files: ['test/**'],
    rules: {
      'no-restricted-syntax': ['error', NO_EXPORT_ALL],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Examples, benchmarks and the replicas run are programs whose printed figures are the point.
    files: ['examples/**', 'test/bench/**', 'test/replicas/**'],
    rules: { 'no-console': 'off' },
  },
  {
    // Plain JavaScript (example clients, fixture models) runs on Node, with its globals.
    files: ['**/*.{js,mjs}'],
    languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map(name => [name, 'readonly'])) },
  },
);
