// deadline() bounds a store's wait, and must not take a busy event loop for a silent peer: an
// answer that arrived in time but was not read yet, because the process was busy, still counts.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadline } from '../src/deadline.js'

// The echo server runs in another process: it must answer while this one is blocked.
const ECHO = `
const server = require('node:net').createServer((socket) => socket.on('data', (c) => socket.write(c)))
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`
let child: ChildProcess
let port: number
beforeAll(async () => {
  child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit'] })
  port = await new Promise<number>((resolve) =>
    child.stdout!.once('data', (chunk) => resolve(Number(String(chunk).trim()))),
  )
})
afterAll(() => void child.kill())

const connected = () =>
  new Promise<Socket>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket))
  })

/** Sends `ping` and resolves with the echo. */
const echo = (socket: Socket) =>
  new Promise<string>((resolve) => {
    socket.once('data', (chunk) => resolve(String(chunk)))
    socket.write('ping')
  })

function busy(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}

describe('deadline', () => {
  it('settles like the promise when it answers in time', async () => {
    await expect(deadline(Promise.resolve(7), 0.05, () => new Error('late'))).resolves.toBe(7)
    await expect(
      deadline(Promise.reject(new Error('own')), 0.05, () => new Error('late')),
    ).rejects.toThrow('own')
  })

  it('rejects with the failure when nothing answers', async () => {
    await expect(deadline(new Promise(() => {}), 0.02, () => new Error('late'))).rejects.toThrow(
      'late',
    )
  })

  it('takes an answer that arrived while the event loop was blocked past the deadline', async () => {
    const socket = await connected()
    try {
      for (let i = 0; i < 5; i++) {
        const answer = deadline(echo(socket), 0.02, () => new Error('taken for silence'))
        busy(100) // the echo arrives within a millisecond, the loop reads it 100 ms later
        await expect(answer).resolves.toBe('ping')
      }
    } finally {
      socket.destroy()
    }
  })

  it('does not count a window in which the loop was blocked before the request went out', async () => {
    const socket = await connected()
    try {
      for (let i = 0; i < 5; i++) {
        // As a client that writes on setImmediate (node-redis does): the process blocks first.
        const sent = new Promise<string>((resolve) =>
          setImmediate(() => {
            busy(100)
            void echo(socket).then(resolve)
          }),
        )
        await expect(deadline(sent, 0.02, () => new Error('taken for silence'))).resolves.toBe(
          'ping',
        )
      }
    } finally {
      socket.destroy()
    }
  })

  it('still rejects on time while the loop is free', async () => {
    const started = performance.now()
    await expect(deadline(new Promise(() => {}), 0.05, () => new Error('late'))).rejects.toThrow()
    expect(performance.now() - started).toBeLessThan(1000)
  })
})
