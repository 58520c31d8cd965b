// The seed's HTTP client.js (SEED-PROGRAMS.md) over TLS (https.request), for the interop tests,
// with the host, port, path and whom to trust as flags (coronet's https-client's --ca and
// --insecure):
//   node https_client.js [--host 127.0.0.1] [--port 8443] [--path /hello] [--ca FILE] [--insecure]
// The request and its handlers are the seed's.
const https = require('https')
const fs = require('fs')
const { parseArgs } = require('util')
const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8443' },
    path: { type: 'string', default: '/hello' },
    ca: { type: 'string' },
    insecure: { type: 'boolean', default: false },
  },
})
const req = https.request({
  hostname: args.host, port: Number(args.port), path: args.path, method: 'GET',
  ca: args.ca === undefined ? undefined : fs.readFileSync(args.ca),
  rejectUnauthorized: !args.insecure,
}, res => {
  console.log(`statusCode: ${res.statusCode}`)
  res.on('data', d => process.stdout.write(d))
})
req.on('error', error => {
  console.error(error.message)
  process.exitCode = 1
})
req.end()
