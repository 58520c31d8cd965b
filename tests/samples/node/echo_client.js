// The seed's client.js (SEED-PROGRAMS.md) for the interop tests, with coronet's echo clients'
// flags in place of its constants:
//   node echo_client.js [--host 127.0.0.1] [--port 8888] | [--path /tmp/unix.sock]
//                       [--message hello] [--interval-ms 3000] [--count N]
//                       [--tls [--ca FILE] [--insecure]]
// With --count N it closes the connection and exits once N messages went out and as many bytes
// came back, printing nothing more (as coronet's clients do). The event handlers are the seed's.
// --tls: tls.connect instead of net.connect (tls-echo-client's --ca and --insecure), the seed's
// handlers on 'secureConnect'; with --count it ends with socket.end() (close_notify), as
// tls-echo-client does, so that the server sees a clean end rather than a cut.
const net = require('net')
const tls = require('tls')
const fs = require('fs')
const { parseArgs } = require('util')
const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8888' },
    path: { type: 'string' },
    message: { type: 'string', default: 'hello' },
    'interval-ms': { type: 'string', default: '3000' },
    count: { type: 'string' },
    tls: { type: 'boolean', default: false },
    ca: { type: 'string' },
    insecure: { type: 'boolean', default: false },
  },
})
const count = args.count === undefined ? Infinity : Number(args.count)
let sent = 0
let received = 0
let finished = false

const client = args.tls
  ? tls.connect(Number(args.port), args.host, {
      ca: args.ca === undefined ? undefined : fs.readFileSync(args.ca),
      rejectUnauthorized: !args.insecure,
    })
  : args.path ? net.connect(args.path) : net.connect(Number(args.port), args.host)
let timer
client.on(args.tls ? 'secureConnect' : 'connect', () => {
  console.log('connected.')
  // The seed starts its timer at once, not here: with its 3 s the connection always comes
  // first, with the tests' 50 ms on a busy machine it may not. coronet's clients, too, start
  // timing once connected.
  timer = setInterval(() => {
    if (sent === count) return
    const msg = args.message
    console.log(`send: ${msg}`)
    client.write(msg)
    sent++
  }, Number(args['interval-ms']))
})
client.on('data', data => {
  console.log(`receive: ${data}`)
  received += data.length
  if (sent === count && received >= count * Buffer.byteLength(args.message)) {
    clearInterval(timer)
    finished = true
    if (args.tls) client.end()
    else client.destroy()
  }
})
client.on('end', () => {
  if (finished) return // the server's answer to our end, not its own
  console.log('disconnected.')
  clearInterval(timer) // the seed keeps writing to the closed socket and never exits
})
client.on('error', err => {
  console.error(err.message)
  process.exitCode = 1
})
