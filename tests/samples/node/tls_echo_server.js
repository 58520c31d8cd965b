// The seed's TCP server.js (SEED-PROGRAMS.md) over TLS, as Node's tls documentation writes it
// (tls.createServer({ key, cert }, ...)), for the interop tests. The handlers are the seed's,
// on 'secureConnection'; the port and the PEM files are arguments and, once listening, it says
// where, in coronet's tls-echo-server's words, so that a test can find it:
//   node tls_echo_server.js PORT CERT_FILE KEY_FILE     prints "listening on [::]:PORT"
const tls = require('tls')
const fs = require('fs')
const [port, certFile, keyFile] = process.argv.slice(2)
const options = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }
const server = tls.createServer(options, socket => {
  console.log('socket connected')
  socket.on('close', () => console.log('socket disconnected'))
  socket.on('error', err => console.error(err.message))
  socket.on('data', data => {
    console.log(`receive: ${data}`)
    socket.write(data)
    console.log(`send: ${data}`)
  })
})
server.listen(Number(port), () => {
  const { address, port } = server.address()
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${port}`)
})
