// Node's ws (the package Autobahn checks), driven by a coronet test (node_interop_test.cpp)
// over Node's IPC channel: the test sends commands, this peer answers with events, one JSON
// message each. Started by process::fork("node", {"ws_peer.js"}); without a channel it exits.
//
// Commands ({op: ...}):
//   listen  {tls: {cert, key}?, perMessageDeflate, protocols?, refuse?: [status, text], echo}
//           -> {event: 'listening', port}; later {event: 'connection', protocol, extensions}
//   connect {url, protocols?, perMessageDeflate, ca?, echo}
//           -> {event: 'open', protocol, extensions} | {event: 'unexpected-response', status}
//              | {event: 'error', message}
//   send    {kind: 'text'|'binary'|'not-utf8', size, seed, fin?: true, compress?: true}
//   ping    {data}            (the answer comes as {event: 'pong', data})
//   close   {code?, reason?}  (the end comes as {event: 'close', code, reason})
//   terminate                 (the socket destroyed: no close frame)
//   stats   -> {event: 'stats', bytesRead, bytesWritten}: what crossed the socket so far
// Events of the connection: {event: 'message', binary, size, sha1} (echoed back when `echo`),
// {event: 'ping', data}, {event: 'pong', data}, {event: 'close', code, reason},
// {event: 'error', message}.
//
// Payloads are made here and in the test from the same recipe (node_peer.cpp's make_payload), so
// that 16 MiB never crosses the channel: only its SHA-1 does.
'use strict';
const crypto = require('crypto');
const http = require('http');
const https = require('https');
const { WebSocket, WebSocketServer } = require('ws');

if (!process.send) {
  console.error('ws_peer.js: run me with child_process.fork (an IPC channel)');
  process.exit(2);
}

let ws = null;  // the one connection this peer has
let echo = false;
let answer = '';  // the Sec-WebSocket-Extensions of the handshake's answer

function report(event) {
  process.send(event);
}

// 'text': units of 16 bytes of UTF-8 ("ü?ï ↔ cödé", ? a letter that moves on each unit), so
// that text is valid, compressible and has multi-byte characters at every offset of a cut.
// 'binary': bytes (i * 13 + (i >> 9) + seed) mod 256. 'not-utf8': "h\xc3(", sent as text (ws
// does not check what it sends).
function makePayload(kind, size, seed) {
  if (kind === 'not-utf8') return Buffer.from([0x68, 0xc3, 0x28]);
  const out = Buffer.alloc(size);
  if (kind === 'text') {
    const unit = Buffer.from('üaï ↔ cödé', 'utf8');
    if (unit.length !== 16 || size % 16 !== 0) throw new Error(`text size ${size}: not whole units`);
    for (let at = 0, k = 0; at < size; at += 16, ++k) {
      unit.copy(out, at);
      out[at + 2] = 0x61 + ((k + seed) % 26);
    }
  } else {
    for (let i = 0; i < size; ++i) out[i] = (i * 13 + (i >>> 9) + seed) & 0xff;
  }
  return out;
}

function sha1(data) {
  return crypto.createHash('sha1').update(data).digest('hex');
}

function attach(socket) {
  ws = socket;
  ws.on('message', (data, isBinary) => {
    report({ event: 'message', binary: isBinary, size: data.length, sha1: sha1(data) });
    if (echo) ws.send(data, { binary: isBinary });
  });
  ws.on('ping', (data) => report({ event: 'ping', data: data.toString() }));
  ws.on('pong', (data) => report({ event: 'pong', data: data.toString() }));
  ws.on('close', (code, reason) => report({ event: 'close', code, reason: reason.toString() }));
  ws.on('error', (e) => report({ event: 'error', message: e.message }));
}

function listen(cmd) {
  echo = !!cmd.echo;
  const server = cmd.tls ? https.createServer({ cert: cmd.tls.cert, key: cmd.tls.key })
                         : http.createServer();
  const options = { server, perMessageDeflate: cmd.perMessageDeflate };
  if (cmd.protocols) {
    // The first of ours that the client offered; none: false (ws then answers without one).
    options.handleProtocols = (offered) => cmd.protocols.find((p) => offered.has(p)) || false;
  }
  if (cmd.refuse) {
    options.verifyClient = (info, done) => done(false, cmd.refuse[0], cmd.refuse[1]);
  }
  const wss = new WebSocketServer(options);
  wss.on('headers', (headers) => {
    const line = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
    answer = line ? line.slice(line.indexOf(':') + 1).trim() : '';
  });
  wss.on('connection', (socket) => {
    attach(socket);
    report({ event: 'connection', protocol: socket.protocol, extensions: answer });
  });
  server.listen(0, '127.0.0.1', () => report({ event: 'listening', port: server.address().port }));
}

function connect(cmd) {
  echo = !!cmd.echo;
  const options = { perMessageDeflate: cmd.perMessageDeflate };
  if (cmd.ca) {
    options.ca = cmd.ca;
    options.servername = 'localhost';
  }
  const socket = new WebSocket(cmd.url, cmd.protocols || [], options);
  socket.on('upgrade', (res) => {
    answer = res.headers['sec-websocket-extensions'] || '';
  });
  socket.on('unexpected-response', (req, res) => {
    report({ event: 'unexpected-response', status: res.statusCode });
    req.destroy();
  });
  socket.on('open', () => {
    attach(socket);
    report({ event: 'open', protocol: socket.protocol, extensions: answer });
  });
  socket.on('error', (e) => {
    if (!ws) report({ event: 'error', message: e.message });
  });
}

const commands = {
  listen,
  connect,
  send(cmd) {
    const data = makePayload(cmd.kind, cmd.size, cmd.seed);
    const options = { binary: cmd.kind === 'binary', fin: cmd.fin !== false,
                      compress: cmd.compress !== false };
    ws.send(data, options, (e) => {
      if (e) report({ event: 'error', message: e.message });
    });
  },
  ping(cmd) {
    ws.ping(cmd.data);
  },
  close(cmd) {
    ws.close(cmd.code, cmd.reason);
  },
  terminate() {
    ws.terminate();
  },
  stats() {
    report({ event: 'stats', bytesRead: ws._socket.bytesRead, bytesWritten: ws._socket.bytesWritten });
  },
};

process.on('message', (cmd) => {
  try {
    commands[cmd.op](cmd);
  } catch (e) {
    report({ event: 'error', message: `${cmd.op}: ${e.message}` });
  }
});
// The test closing the channel (or ending) ends this peer.
process.on('disconnect', () => process.exit(0));
