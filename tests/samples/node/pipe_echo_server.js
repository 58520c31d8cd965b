// The seed's local server.js (SEED-PROGRAMS.md), for the interop tests. Two changes: the socket
// file is an argument and, once listening, it says where, in coronet's pipe-echo-server's
// words, so that a test can wait for it:
//   node pipe_echo_server.js [PATH]       prints "listening on PATH"
const net = require('net')
const fs = require('fs')
const pipeFile = process.argv[2] ?? '/tmp/unix.sock'
const server = net.createServer(connection => {
  console.log('socket connected.')
  connection.on('close', () => console.log('disconnected.'))
  connection.on('data', data => {
    console.log(`receive: ${data}`)
    connection.write(data)
    console.log(`send: ${data}`)
  })
  connection.on('error', err => console.error(err.message))
})
try { fs.unlinkSync(pipeFile) } catch (error) {}
server.listen(pipeFile, () => console.log(`listening on ${pipeFile}`))
