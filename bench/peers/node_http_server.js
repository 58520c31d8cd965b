#!/usr/bin/env node
// node_http_server.js: Node.js peer for the coronet HTTP and HTTPS benchmarks.
//
//   node node_http_server.js --port P                          HTTP on 0.0.0.0:P
//   node node_http_server.js --port P --cert FILE --key FILE   HTTPS (PEM files)
//
// P = 0 picks a free port.  HTTP is the seed's server:
// http.createServer((req, res) => res.end(req.url)), with Node's defaults for
// everything else (keep-alive, TCP_NODELAY, timeouts).  HTTPS is the same
// handler under https.createServer({key, cert}, ...), plus GET /1m, which
// answers with a 1 MiB body (made once at start) for bench/https.sh's
// throughput case.  Prints one "listening ..." line, serves until
// SIGINT/SIGTERM, exits 0.
'use strict';

const fs = require('fs');

function usage(stream) {
  stream.write('usage: node node_http_server.js --port P [--cert FILE --key FILE]\n');
}

function fail(message) {
  process.stderr.write(`node_http_server: ${message}\n`);
  usage(process.stderr);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { port: null, cert: null, key: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      usage(process.stdout);
      process.exit(0);
    }
    if (arg !== '--port' && arg !== '--cert' && arg !== '--key') fail(`unknown argument '${arg}'`);
    if (i + 1 >= argv.length) fail(`${arg} requires a value`);
    const value = argv[++i];
    if (arg === '--port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) fail(`invalid port '${value}'`);
      opts.port = Number(value);
    } else {
      opts[arg.slice(2)] = value;
    }
  }
  if (opts.port === null) fail('--port is required');
  if ((opts.cert === null) !== (opts.key === null)) fail('--cert and --key go together');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

let server;
if (opts.cert === null) {
  server = require('http').createServer((req, res) => res.end(req.url));
} else {
  const big = Buffer.alloc(1024 * 1024, 'x');
  let tlsOptions;
  try {
    tlsOptions = { cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key) };
  } catch (err) {
    process.stderr.write(`node_http_server: ${err.message}\n`);
    process.exit(1);
  }
  server = require('https').createServer(tlsOptions, (req, res) =>
    req.url === '/1m' ? res.end(big) : res.end(req.url));
}

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

server.listen(opts.port, '0.0.0.0', () => {
  const scheme = opts.cert === null ? 'tcp' : 'tls';
  process.stdout.write(`listening ${scheme} 0.0.0.0:${server.address().port}\n`);
});
