#!/usr/bin/env node
// node_echo_server.js: Node.js peer for the coronet echo benchmark.
//
//   node node_echo_server.js --port P      TCP on 0.0.0.0:P (P = 0 picks a free port)
//   node node_echo_server.js --unix PATH   unix stream socket at PATH
//
// Plain `net` server: every 'data' chunk is written straight back.
// Prints one "listening ..." line, serves until SIGINT/SIGTERM, exits 0.
'use strict';

const fs = require('fs');
const net = require('net');

function usage(stream) {
  stream.write('usage: node node_echo_server.js --port P | --unix PATH\n');
}

function parseArgs(argv) {
  const opts = { port: null, unixPath: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      usage(process.stdout);
      process.exit(0);
    }
    if (arg !== '--port' && arg !== '--unix') {
      process.stderr.write(`node_echo_server: unknown argument '${arg}'\n`);
      usage(process.stderr);
      process.exit(2);
    }
    if (i + 1 >= argv.length) {
      process.stderr.write(`node_echo_server: ${arg} requires a value\n`);
      usage(process.stderr);
      process.exit(2);
    }
    const value = argv[++i];
    if (arg === '--port') {
      if (!/^\d+$/.test(value) || Number(value) > 65535) {
        process.stderr.write(`node_echo_server: invalid port '${value}'\n`);
        process.exit(2);
      }
      opts.port = Number(value);
    } else {
      opts.unixPath = value;
    }
  }
  if ((opts.port === null) === (opts.unixPath === null)) {
    process.stderr.write('node_echo_server: give exactly one of --port or --unix\n');
    usage(process.stderr);
    process.exit(2);
  }
  return opts;
}

const opts = parseArgs(process.argv.slice(2));

const server = net.createServer((socket) => {
  // Same as the other servers: no Nagle delay on TCP (no-op for unix sockets).
  socket.setNoDelay(true);
  socket.on('data', (d) => socket.write(d));
  socket.on('error', () => socket.destroy());
});

server.on('error', (err) => {
  process.stderr.write(`node_echo_server: ${err.message}\n`);
  process.exit(1);
});

function removeStaleSocket(path) {
  try {
    if (fs.lstatSync(path).isSocket()) fs.unlinkSync(path);
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
}

function shutdown() {
  server.close();
  if (opts.unixPath !== null) {
    try {
      fs.unlinkSync(opts.unixPath);
    } catch (err) {
      // already gone
    }
  }
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);

if (opts.unixPath !== null) {
  removeStaleSocket(opts.unixPath);
  server.listen(opts.unixPath, () => {
    process.stdout.write(`listening unix ${opts.unixPath}\n`);
  });
} else {
  server.listen(opts.port, '0.0.0.0', () => {
    process.stdout.write(`listening tcp 0.0.0.0:${server.address().port}\n`);
  });
}
