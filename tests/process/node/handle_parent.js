// A Node parent passing handles to a coronet child:
//   node handle_parent.js EXECUTABLE
// forks `EXECUTABLE channel-handles` (child_process.fork with execPath). Its server passes each
// of N connections to the child with child.send(i, socket): Node sends the next one only after
// the child's NODE_HANDLE_ACK, so the child acknowledges every one. The child writes i back and
// closes; the clients must read 0..N-1 between them. Then it passes the server itself (and stops
// listening here) and expects the child to accept the next connection ("accepted by PID").
// Prints "ok N" once the child has exited with code 0; anything else exits 1 with a message on
// stderr.
const { fork } = require('child_process')
const assert = require('assert')
const net = require('net')

const [exe] = process.argv.slice(2)
const N = 5
const child = fork('channel-handles', [], { execPath: exe, stdio: 'inherit' })
const fail = (message) => {
  console.error(message)
  process.exit(1)
}
child.on('error', (e) => fail(`child: ${e.message}`))

// The child's reports, in order, as promises.
const reports = []
let waiting = null
child.on('message', (m) => {
  if (waiting) {
    const w = waiting
    waiting = null
    w(m)
  } else {
    reports.push(m)
  }
})
const report = () =>
  reports.length ? Promise.resolve(reports.shift()) : new Promise((resolve) => { waiting = resolve })

const readAll = (port) =>
  new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1')
    let data = ''
    c.on('data', (d) => { data += d })
    c.on('end', () => resolve(data))
    c.on('error', reject)
  })

let next = 0
const onConnection = (socket) => child.send(next++, socket)
const server = net.createServer(onConnection)
server.listen(0, '127.0.0.1', async () => {
  try {
    const port = server.address().port
    const got = await Promise.all(Array.from({ length: N }, () => readAll(port)))
    assert.deepStrictEqual(got.map(Number).sort(), Array.from({ length: N }, (_, i) => i))
    for (let i = 0; i < N; i++) assert.deepStrictEqual(await report(), { took: 'net.Socket', cloexec: true })

    server.off('connection', onConnection)
    child.send('listen', server)
    assert.deepStrictEqual(await report(), { took: 'net.Server', cloexec: true })
    server.close()  // only the child listens now
    assert.strictEqual(await readAll(port), `accepted by ${child.pid}`)
    child.disconnect()
  } catch (e) {
    fail(`handle_parent: ${e.message}`)
  }
})
child.on('exit', (code, signal) => {
  if (code === 0) {
    console.log(`ok ${N}`)
    process.exit(0)
  }
  fail(`child ended with ${code ?? signal}`)
})
