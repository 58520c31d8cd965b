// The seed's HTTP server.js (SEED-PROGRAMS.md), for the interop tests. Two changes: the port is
// an argument (0: any free port) and it prints what coronet's http-server prints, so that a test
// can find it and compare the two line by line: "listening on [::]:PORT" once listening, then
// "url TARGET" per request (the article shows those lines; the seed's handler is unchanged):
//   node http_server.js [PORT]
const http = require('http')
const server = http.createServer((req, res) => {
  console.log(`url ${req.url}`)
  res.end(req.url)
})
server.listen(Number(process.argv[2] ?? 8888), () => {
  const { address, port } = server.address()
  console.log(`listening on ${address.includes(':') ? `[${address}]` : address}:${port}`)
})
