/**
 * A real redis-server for the tests: spawned from its binary on a free port with its own data
 * directory and an append-only file, so a stop and restart keeps what was written, as a
 * production Redis with persistence does.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../../test/ports.js'

const BINARY = process.env.REDIS_SERVER ?? 'redis-server'
const ENSURE = fileURLToPath(new URL('../../../scripts/ensure-redis.sh', import.meta.url))

/** A running (or stopped) redis-server. */
export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Stops the server the way an operator does (SIGTERM); the data stays on disk. */
  stop(): Promise<void>
  /** Starts it again on the same port and data. */
  start(): Promise<void>
  /** Stops it and deletes its data. */
  close(): Promise<void>
}

/** Starts a redis-server, installing the binary first when it is missing and apt-get can. */
export async function startRedis(): Promise<RedisServer> {
  const ensured = spawnSync('bash', [ENSURE], { stdio: 'inherit' })
  if (ensured.status !== 0)
    throw new Error('redis-server is not available (see scripts/ensure-redis.sh)')
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'bearer-guard-redis-'))
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(
      BINARY,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    await new Promise<void>((resolve, reject) => {
      let output = ''
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) resolve()
      }
      child!.stdout!.on('data', onData)
      child!.once('exit', (code) =>
        reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)),
      )
    })
  }
  const stop = async () => {
    const running = child
    if (!running || running.exitCode !== null) return
    await new Promise((resolve) => {
      running.once('exit', resolve)
      running.kill('SIGTERM')
    })
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start,
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
