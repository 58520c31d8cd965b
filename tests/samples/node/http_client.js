// The seed's HTTP client.js (SEED-PROGRAMS.md), for the interop tests, with the host, port and
// path as flags in place of its constants (the seed's hostname is a LAN address):
//   node http_client.js [--host 127.0.0.1] [--port 8888] [--path /hello]
// The request and its handlers are the seed's.
const http = require('http')
const { parseArgs } = require('util')
const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8888' },
    path: { type: 'string', default: '/hello' },
  },
})
const req = http.request({ hostname: args.host, port: Number(args.port), path: args.path, method: 'GET' }, res => {
  console.log(`statusCode: ${res.statusCode}`)
  res.on('data', d => process.stdout.write(d))
})
req.on('error', error => console.error(error))
req.end()
