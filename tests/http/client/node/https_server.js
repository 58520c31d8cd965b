// Node's https server for the coronet client's HTTPS tests (https_client_test.cpp):
//   node https_server.js CERT_FILE KEY_FILE   prints "listening on 127.0.0.1:PORT"
// Answers every request with "<url> <TLS version> <ALPN protocol or none> <connection number>",
// so that a test sees what was negotiated and whether the client reused its connection.
'use strict';
const fs = require('fs');
const https = require('https');

const [certFile, keyFile] = process.argv.slice(2);
let connections = 0;
const server = https.createServer(
  { cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), ALPNProtocols: ['http/1.1'] },
  (req, res) => {
    const socket = req.socket;
    res.end(`${req.url} ${socket.getProtocol()} ${socket.alpnProtocol || 'none'} ` +
            `${socket.connectionNumber}`);
  });
server.on('secureConnection', (socket) => {
  socket.connectionNumber = ++connections;
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
