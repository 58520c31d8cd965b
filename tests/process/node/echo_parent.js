// A Node parent that checks a child's echo of every kind of message:
//   node echo_parent.js EXECUTABLE fork|spawn MODE
// runs `EXECUTABLE MODE` with a channel (fork with execPath, or spawn with an 'ipc' stdio entry),
// sends each value, compares the echo, then disconnects and prints "ok N" once the child has
// exited with code 0. Anything else ends it with exit code 1 and a message on stderr.
const { fork, spawn } = require('child_process')
const assert = require('assert')
const [exe, how, mode] = process.argv.slice(2)
const child = how === 'spawn'
  ? spawn(exe, [mode], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
  : fork(mode, [], { execPath: exe, stdio: 'inherit' })

const values = [
  'hello', 42, -1.5, true, null, [], {},
  { nested: { list: [1, 'two', { three: [3] }] }, flag: false },
  'unicode: héllo ✓ 日本語 😀 "quoted" \\ \n newline \u0001',
  'x'.repeat(8 << 20),
]
let next = 0
const sendNext = () => child.send(values[next])
child.on('message', (message) => {
  try {
    assert.deepStrictEqual(message, values[next])
  } catch (e) {
    console.error(`echo of message ${next} differs: ${e.message.slice(0, 200)}`)
    process.exit(1)
  }
  if (++next < values.length) return sendNext()
  child.disconnect()
})
child.on('exit', (code, signal) => {
  if (code === 0 && next === values.length) {
    console.log(`ok ${next}`)
  } else {
    console.error(`child ended with ${code ?? signal} after ${next} messages`)
    process.exitCode = 1
  }
})
sendNext()
