// ESLint: typescript-eslint's recommended rules, plus the import rules that hold the layers
// (docs/development.md). Formatting is Prettier's (.prettierrc.json), not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_GLOBALS = [
  'process',
  'console',
  'URL',
  'Buffer',
  'performance',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'fetch',
  'AbortController',
  'AbortSignal',
  'TextEncoder',
  'TextDecoder',
  'structuredClone',
];

/** What a layer may not import, with why: the message is what a contributor reads. */
const forbid = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '**/reports/**', '**/.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Node's globals for the plain-JavaScript scripts (TypeScript checks its own files).
    languageOptions: { globals: Object.fromEntries(NODE_GLOBALS.map((name) => [name, 'readonly'])) },
    rules: {
      // `_`-prefixed names are deliberate: a parameter an interface demands, a value destructured away.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // The decision core is pure: zod and itself, nothing that does I/O (architecture.unit.test.ts checks it too).
    files: ['packages/domain/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    // node:crypto only for deriving ids (a hash: deterministic, no I/O).
    rules: forbid(
      ['@tickets/*', 'node:*', '!node:crypto', 'kafkajs', 'pg', 'pino', '@kurrent/*'],
      'packages/domain imports zod only: the decision stays pure.',
    ),
  },
  {
    // Shared plumbing: it must not know the domain (rules and policy are loaded by their users).
    files: ['packages/platform/src/**/*.ts', 'packages/retry/src/**/*.ts', 'packages/event-store/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: forbid(
      [
        '@tickets/domain',
        '@tickets/streams',
        '@tickets/ingest',
        '@tickets/projector',
        '@tickets/rule-reactor',
        '@tickets/cli',
      ],
      'infrastructure packages do not depend on the domain or the services.',
    ),
  },
  {
    // Services talk through the store, not through each other's internals.
    files: ['services/ingest/src/**/*.ts', 'services/projector/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: forbid(
      ['@tickets/cli', '@tickets/rule-reactor', '../../*/src/*'],
      'services talk through the store, not through each other.',
    ),
  },
);
