// The seed's HTTP server.js (SEED-PROGRAMS.md) over TLS, as Node's https documentation writes it
// (https.createServer({ key, cert }, ...)), for the interop tests. As http_server.js, it prints
// what coronet's https-server prints: "listening on [::]:PORT" once listening, then
// "url TARGET" per request:
//   node https_server.js PORT CERT_FILE KEY_FILE
const https = require('https')
const fs = require('fs')
const [port, certFile, keyFile] = process.argv.slice(2)
const options = { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile) }
const server = https.createServer(options, (req, res) => {
  console.log(`url ${req.url}`)
  res.end(req.url)
})
server.listen(Number(port), () => {
  const { address, port } = server.address()
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${port}`)
})
