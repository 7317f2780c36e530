// Suites that run child processes load the built packages, as a deployed app would: build
// them once, before any test runs (tsc -b is incremental, so this is quick when nothing changed).
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

export default function setup(): void {
  const root = fileURLToPath(new URL('../', import.meta.url))
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  execFileSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' })
}
