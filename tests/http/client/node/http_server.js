// The seed's HTTP server (SEED-PROGRAMS.md: http.createServer((req, res) => res.end(req.url))),
// grown a little for the coronet client's tests against Node's http module:
//   node http_server.js [KEEP_ALIVE_TIMEOUT_MS]   prints "listening on 127.0.0.1:PORT"
// Every response says which connection it came on (X-Connection: 1, 2, ...), so a test sees
// whether the client reused one. Paths other than these get the seed's answer, res.end(req.url):
//   /chunked   three pieces written one turn apart (Node sends them chunked)
//   /big?n=N   N bytes, 'a' to 'z' over and over, with a Content-Length
//   /echo      the request body back, and how it was framed in X-Framing
const http = require('http')

let connections = 0
const server = http.createServer((req, res) => {
  res.setHeader('X-Connection', String(req.socket.connectionNumber))
  const url = new URL(req.url, 'http://localhost')
  if (url.pathname === '/chunked') {
    res.write('one;')
    setImmediate(() => {
      res.write('two;')
      setImmediate(() => res.end('three'))
    })
  } else if (url.pathname === '/big') {
    const n = Number(url.searchParams.get('n'))
    const body = Buffer.alloc(n)
    for (let i = 0; i < n; i++) body[i] = 97 + (i % 26)
    res.setHeader('Content-Length', n)
    res.end(body)
  } else if (url.pathname === '/echo') {
    const framing = req.headers['transfer-encoding'] ?? `length ${req.headers['content-length']}`
    const pieces = []
    req.on('data', d => pieces.push(d))
    req.on('end', () => {
      res.setHeader('X-Framing', framing)
      res.end(Buffer.concat(pieces))
    })
  } else {
    res.end(req.url)
  }
})
server.on('connection', socket => {
  socket.connectionNumber = ++connections
})
if (process.argv[2] !== undefined) server.keepAliveTimeout = Number(process.argv[2])
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`)
})
