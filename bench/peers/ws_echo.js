#!/usr/bin/env node
// ws_echo.js: Node.js peer of the WebSocket benchmark (bench/websocket.sh), on the `ws` package.
//
//   node ws_echo.js --port P [--deflate] [--broadcast]
//
// The `ws` README's echo server, `ws.on('message', (data, isBinary) => ws.send(data, {binary:
// isBinary}))`: each message goes back to its sender with the same type. --broadcast sends it to
// every open client instead (the README's "broadcast to all connected clients", sender included).
// --deflate accepts permessage-deflate when a client offers it, with ws's defaults (zlib level 6,
// memLevel 8, context takeover both ways; with its context kept, ws compresses every message: its
// 1024-byte threshold applies only under server_no_context_takeover); without it the extension is
// refused. Listens on 0.0.0.0:P (P = 0 picks a free port), prints one
// "listening ..." line, serves until SIGINT/SIGTERM and exits 0.
//
// `ws` is Debian's node-ws (NODE_PATH=/usr/share/nodejs) or one from npm.
'use strict';

function usage(stream) {
  stream.write('usage: node ws_echo.js --port P [--deflate] [--broadcast]\n');
}

function fail(message) {
  process.stderr.write(`ws_echo: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { port: null, deflate: false, broadcast: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') {
      usage(process.stdout);
      process.exit(0);
    } else if (arg === '--deflate') {
      opts.deflate = true;
    } else if (arg === '--broadcast') {
      opts.broadcast = true;
    } else if (arg === '--port') {
      if (i + 1 >= argv.length) fail('--port requires a value');
      const value = argv[++i];
      if (!/^\d+$/.test(value) || Number(value) > 65535) fail(`invalid port '${value}'`);
      opts.port = Number(value);
    } else {
      usage(process.stderr);
      fail(`unknown argument '${arg}'`);
    }
  }
  if (opts.port === null) fail('--port is required');
  return opts;
}

let WebSocket;
try {
  WebSocket = require('ws');
} catch (err) {
  // Debian installs node-ws outside Node's default search path.
  try {
    WebSocket = require('/usr/share/nodejs/ws');
  } catch (err2) {
    process.stderr.write(`ws_echo: cannot load the ws package (apt-get install node-ws): ${err.message}\n`);
    process.exit(1);
  }
}

const opts = parseArgs(process.argv.slice(2));

const wss = new WebSocket.WebSocketServer({
  host: '0.0.0.0',
  port: opts.port,
  // {} is ws's defaults; false refuses the extension.
  perMessageDeflate: opts.deflate ? {} : false,
  // The set of clients is what a broadcast walks; the echo does not need it.
  clientTracking: opts.broadcast,
});

wss.on('connection', (ws) => {
  ws.on('error', () => ws.terminate());
  if (opts.broadcast) {
    ws.on('message', (data, isBinary) => {
      for (const client of wss.clients) {
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
      }
    });
  } else {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
});

wss.on('error', (err) => {
  process.stderr.write(`ws_echo: ${err.message}\n`);
  process.exit(1);
});

wss.on('listening', () => {
  const mode = opts.broadcast ? 'broadcast' : 'echo';
  process.stdout.write(
    `listening tcp 0.0.0.0:${wss.address().port} (${mode}, permessage-deflate ${opts.deflate ? 'on' : 'off'})\n`,
  );
});

function shutdown() {
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
