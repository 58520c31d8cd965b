// The seed's TCP server.js (SEED-PROGRAMS.md), for the interop tests. Two changes: the port is
// an argument (0: any free port) and, once listening, it says where, in coronet's
// tcp-echo-server's words, so that a test can find it:
//   node tcp_echo_server.js [PORT]        prints "listening on [::]:PORT"
const net = require('net')
const server = net.createServer(socket => {
  console.log('socket connected')
  socket.on('close', () => console.log('socket disconnected'))
  socket.on('error', err => console.error(err.message))
  socket.on('data', data => {
    console.log(`receive: ${data}`)
    socket.write(data)
    console.log(`send: ${data}`)
  })
})
server.listen(Number(process.argv[2] ?? 8888), () => {
  const { address, port } = server.address()
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${port}`)
})
