// One vitest run for the workspace: a project per package, plus examples and the shared suites.
// `@bearer-guard/*` (and `@bearer-guard/core/adapter`) resolve to each package's src, so nothing needs building before a test.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const packages = ['core', 'express', 'koa', 'fastify', 'redis', 'testing']
const src = (name: string, entry = 'index') =>
  fileURLToPath(new URL(`./packages/${name}/src/${entry}.ts`, import.meta.url))
const reportFile = process.env.VITEST_JSON_REPORT

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@bearer-guard\/core\/adapter$/, replacement: src('core', 'adapter') },
      ...packages.map((name) => ({
        find: new RegExp(`^@bearer-guard/${name}$`),
        replacement: src(name),
      })),
    ],
  },
  test: {
    reporters: reportFile ? ['default', ['json', { outputFile: reportFile }]] : ['default'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // The Redis and hardening suites run API processes on the built packages.
    globalSetup: ['scripts/build.global.ts'],
    // Type tests (*.test-d.ts) are compiled by tsc, never run.
    typecheck: { enabled: true, include: [], tsconfig: './tsconfig.check.json' },
    // On with `--coverage` (`pnpm test` passes it): line and branch coverage of every package's
    // src, printed per package by scripts/coverage-summary.mjs. The core, where every decision
    // is made, must stay at 95% of lines and 90% of branches or the run fails.
    coverage: {
      provider: 'v8',
      include: ['packages/*/src/**/*.ts'],
      reporter: ['json-summary'],
      reportOnFailure: true,
      thresholds: { 'packages/core/src/**': { lines: 95, branches: 90 } },
    },
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name,
          include: [`packages/${name}/test/**/*.test.ts`],
          typecheck: { include: [`packages/${name}/test/**/*.test-d.ts`] },
        },
      })),
      { extends: true as const, test: { name: 'suites', include: ['test/**/*.test.ts'] } },
    ],
  },
})
