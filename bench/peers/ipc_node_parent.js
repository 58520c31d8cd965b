// The Node parent of the IPC benchmark (bench/ipc.sh), the same protocol as `ipc-bench parent`:
//   node ipc_node_parent.js MODE MESSAGES WARMUP WINDOW PROGRAM [ARGS...]
// forks PROGRAM with Node's channel (child_process.fork with execPath PROGRAM, so ARGS[0] is
// the "module"), sends {seq, data: 'hello'} with 1 (roundtrip) or WINDOW (pipelined) messages
// in flight, checks each echo's seq, and prints one result line for the last MESSAGES echoes.
const { fork } = require('child_process')
const [mode, messagesArg, warmupArg, windowArg, program, ...args] = process.argv.slice(2)
const messages = Number(messagesArg)
const warmup = Number(warmupArg)
const total = messages + warmup
const window = mode === 'pipelined' ? Number(windowArg) : 1

const child = fork(args[0], args.slice(1), { execPath: program, stdio: 'inherit' })
let sent = 0
let got = 0
let start = process.hrtime.bigint()
const send = () => child.send({ seq: sent++, data: 'hello' })
child.on('message', (m) => {
  if (m.seq !== got) {
    console.error(`ipc_node_parent: echo ${got} out of order (${m.seq})`)
    process.exit(1)
  }
  if (++got === warmup) start = process.hrtime.bigint()
  if (got === total) {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    console.log(`mode=${mode} messages=${messages} seconds=${seconds.toFixed(3)} ` +
                `msgs_per_sec=${Math.round(messages / seconds)}`)
    child.disconnect()
    return
  }
  if (sent < total) send()
})
while (sent < window && sent < total) send()
