#!/usr/bin/env node
// node_http_server.js: Node.js peer for the coronet HTTP benchmark.
//
//   node node_http_server.js --port P      TCP on 0.0.0.0:P (P = 0 picks a free port)
//
// The seed's server: http.createServer((req, res) => res.end(req.url)),
// with Node's defaults for everything else (keep-alive, TCP_NODELAY,
// timeouts).  Prints one "listening ..." line, serves until SIGINT/SIGTERM,
// exits 0.
'use strict';

const http = require('http');

function usage(stream) {
  stream.write('usage: node node_http_server.js --port P\n');
}

function parseArgs(argv) {
  let port = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      usage(process.stdout);
      process.exit(0);
    }
    if (arg !== '--port') {
      process.stderr.write(`node_http_server: unknown argument '${arg}'\n`);
      usage(process.stderr);
      process.exit(2);
    }
    if (i + 1 >= argv.length) {
      process.stderr.write(`node_http_server: ${arg} requires a value\n`);
      usage(process.stderr);
      process.exit(2);
    }
    const value = argv[++i];
    if (!/^\d+$/.test(value) || Number(value) > 65535) {
      process.stderr.write(`node_http_server: invalid port '${value}'\n`);
      process.exit(2);
    }
    port = Number(value);
  }
  if (port === null) {
    process.stderr.write('node_http_server: --port is required\n');
    usage(process.stderr);
    process.exit(2);
  }
  return port;
}

const port = parseArgs(process.argv.slice(2));

const server = http.createServer((req, res) => res.end(req.url));

server.on('error', (err) => {
  process.stderr.write(`node_http_server: ${err.message}\n`);
  process.exit(1);
});

function shutdown() {
  server.close();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

server.listen(port, '0.0.0.0', () => {
  process.stdout.write(`listening tcp 0.0.0.0:${server.address().port}\n`);
});
