// One flat config for the whole workspace.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'test/.generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
        performance: 'readonly',
        crypto: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Type-aware rules: a promise is awaited, returned or handled, never dropped or passed
    // where a plain callback is expected.
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // Library code never prints: events and hooks are how it talks to operators.
    files: ['packages/*/src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Adapters reach the core only through its two entry points: `@bearer-guard/core` and
    // `@bearer-guard/core/adapter`.
    files: [
      'packages/express/src/**',
      'packages/koa/src/**',
      'packages/fastify/src/**',
      'packages/redis/src/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@bearer-guard/*/src', '@bearer-guard/*/src/*'],
              message: 'Import @bearer-guard/core, not its src.',
            },
            {
              group: ['../../core/*', '../core/*'],
              message: 'Import @bearer-guard/core, not its files.',
            },
          ],
        },
      ],
    },
  },
  {
    // Applications use the application entry: the adapter one is for adapters and stores.
    files: ['examples/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@bearer-guard/core/adapter',
              message: 'Applications import @bearer-guard/core or a framework adapter.',
            },
          ],
        },
      ],
    },
  },
)
