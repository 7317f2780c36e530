// The packages as shipped: each one is packed (pnpm pack turns workspace:^ into versions), the
// tarballs are installed with npm into a fresh project outside the workspace, and the README
// quick starts run there on plain node, over real HTTP, against the local issuer of
// @bearer-guard/testing installed the same way. A runtime import missing from a package's
// `dependencies` fails here, where the workspace's hoisted node_modules would hide it.
// publint and attw check each tarball's package.json and types.
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../ports.js'
import { quickStart } from '../quick-start.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../', import.meta.url))
const bin = (name: string) => join(root, 'node_modules/.bin', name)
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  packageManager: string
  pnpm: { overrides: Record<string, string> }
}
const pnpm = manifest.packageManager
const packages = ['core', 'express', 'koa', 'fastify', 'redis', 'testing']
const frameworks = ['express@5', 'koa@3', '@koa/router', 'fastify@5']
const audience = 'https://api.example.com'

let work: string
let project: string
let tarballs: string[]
let issuer: ChildProcess | undefined
let issuerUrl: string
let tokens: { valid: string }

/** Starts the issuer from the installed @bearer-guard/testing; it reports its URL and a token. */
function startIssuer(): Promise<void> {
  const script = [
    "import { createIssuer } from '@bearer-guard/testing'",
    `const issuer = await createIssuer({ algorithms: ['ES256'], audience: '${audience}' })`,
    "const valid = await issuer.mint({ scope: 'orders:read', sub: 'alice' })",
    'process.stdout.write(JSON.stringify({ url: issuer.url, valid }) + "\\n")',
    "process.on('SIGTERM', () => issuer.close().then(() => process.exit(0)))",
  ].join('\n')
  writeFileSync(join(project, 'issuer.mjs'), script)
  const child = spawn(process.execPath, ['issuer.mjs'], { cwd: project })
  issuer = child
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stderr.on('data', (chunk) => (err += chunk))
    child.stdout.on('data', (chunk) => {
      out += chunk
      if (!out.includes('\n')) return
      const { url, valid } = JSON.parse(out) as { url: string; valid: string }
      issuerUrl = url
      tokens = { valid }
      resolve()
    })
    child.on('exit', (code) => reject(new Error(`the issuer exited (${code}): ${err}`)))
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.on('connect', () => (socket.destroy(), resolve(true)))
    socket.on('error', () => resolve(false))
  })
}

/** Runs a quick start on plain node in the project, on `port`, until it accepts connections. */
async function startApp(code: string, file: string, port: number): Promise<ChildProcess> {
  const runnable = code
    .replaceAll("'https://id.example.com/'", `'${issuerUrl}'`)
    .replace(/\b3000\b/, String(port))
  expect(runnable).not.toContain('id.example.com')
  expect(runnable).toContain(String(port))
  writeFileSync(join(project, file), runnable)
  const child = spawn(process.execPath, [file], { cwd: project })
  let err = ''
  child.stderr?.on('data', (chunk) => (err += chunk))
  let exited: number | null | undefined
  child.on('exit', (code) => (exited = code))
  const deadline = Date.now() + 15_000
  while (!(await accepts(port))) {
    if (exited !== undefined) throw new Error(`${file} exited (${exited}):\n${err}`)
    if (Date.now() > deadline) throw new Error(`${file} never listened on ${port}:\n${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return child
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.on('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'bearer-guard-packed-'))
  const packs = join(work, 'tarballs')
  project = join(work, 'project')
  await Promise.all(
    packages.map((name) =>
      run('npx', ['--yes', pnpm, 'pack', '--pack-destination', packs], {
        cwd: join(root, 'packages', name),
        timeout: 120_000,
      }),
    ),
  )
  tarballs = readdirSync(packs)
    .filter((file) => file.endsWith('.tgz'))
    .map((file) => join(packs, file))
  expect(tarballs).toHaveLength(packages.length)
  // Outside the workspace, so nothing resolves from its node_modules.
  mkdirSync(project)
  writeFileSync(
    join(project, 'package.json'),
    // The workspace's pins apply here too (light-my-request: newer ones need Node 22).
    JSON.stringify({
      name: 'packed-install',
      private: true,
      type: 'module',
      overrides: manifest.pnpm.overrides,
    }),
  )
  await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs, ...frameworks],
    { cwd: project, timeout: 170_000 },
  )
  await startIssuer()
}, 180_000)

afterAll(async () => {
  await stop(issuer)
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the packed packages, installed with npm in a fresh project', () => {
  it.each([
    ['README.md', 'express', 'root-express.mjs'],
    ['packages/express/README.md', 'express', 'express.mjs'],
    ['packages/koa/README.md', 'koa', 'koa.mjs'],
    ['packages/fastify/README.md', 'fastify', 'fastify.mjs'],
  ])('%s quick start (%s): 401 without a token, 200 with one', async (readme, name, file) => {
    const port = await freePort()
    const app = await startApp(quickStart(readme, name), file, port)
    try {
      const url = `http://127.0.0.1:${port}/orders`
      const anonymous = await fetch(url)
      expect(anonymous.status).toBe(401)
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/)
      const res = await fetch(url, { headers: { authorization: `Bearer ${tokens.valid}` } })
      expect(res.status).toBe(200)
      expect(await res.json()).toEqual({ user: 'alice' })
    } finally {
      await stop(app)
    }
  })
})

describe('each tarball', () => {
  it.each(packages)('@bearer-guard/%s: publint finds nothing', async (name) => {
    const tarball = tarballs.find((file) => file.includes(`bearer-guard-${name}-`))!
    const { stdout } = await run(bin('publint'), ['run', '--strict', tarball], { timeout: 60_000 })
    expect(stdout).toContain('All good!')
  })

  it.each(packages)('@bearer-guard/%s: attw (ESM only) finds no problems', async (name) => {
    const tarball = tarballs.find((file) => file.includes(`bearer-guard-${name}-`))!
    // attw exits non-zero on any problem in the profile's resolutions.
    const { stdout } = await run(bin('attw'), [tarball, '--profile', 'esm-only', '-f', 'json'], {
      timeout: 60_000,
    })
    const { analysis } = JSON.parse(stdout) as {
      analysis: {
        entrypoints: Record<string, { resolutions: Record<string, { visibleProblems?: number[] }> }>
      }
    }
    for (const [entry, { resolutions }] of Object.entries(analysis.entrypoints))
      for (const kind of ['node16-esm', 'bundler'])
        expect(resolutions[kind]?.visibleProblems ?? [], `${entry} (${kind})`).toEqual([])
  })
})
