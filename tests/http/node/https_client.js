// Node's https client against a coronet HTTPS server (https_interop_test.cpp): two GETs through
// one keep-alive Agent socket, trusting only the test CA. Prints one line per request:
//   <status> <body> <TLS version> alpn=<protocol or none> reused=<bool>
// and exits non-zero on any error (printing it).
//
//   node https_client.js PORT CA_FILE MIN_VERSION MAX_VERSION alpn|noalpn [CERT_FILE KEY_FILE]
'use strict';
const fs = require('fs');
const https = require('https');

const [port, caFile, minVersion, maxVersion, alpn, certFile, keyFile] = process.argv.slice(2);
const tlsOptions = {
  ca: fs.readFileSync(caFile),
  minVersion,
  maxVersion,
  servername: 'localhost',
};
if (alpn === 'alpn') tlsOptions.ALPNProtocols = ['h2', 'http/1.1'];
if (certFile) {
  tlsOptions.cert = fs.readFileSync(certFile);
  tlsOptions.key = fs.readFileSync(keyFile);
}
const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ...tlsOptions });

function get(path) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: Number(port), path, agent }, (res) => {
      // Read now: the socket goes back to the agent (res.socket null) once the body ended.
      const tls = { version: res.socket.getProtocol(), alpn: res.socket.alpnProtocol };
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ req, res, tls, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

async function main() {
  for (const path of ['/first', '/second']) {
    const { req, res, tls, body } = await get(path);
    console.log(`${res.statusCode} ${body} ${tls.version} alpn=${tls.alpn || 'none'} ` +
                `reused=${req.reusedSocket}`);
  }
  agent.destroy();
}

main().catch((e) => {
  console.log(`error: ${e.code || ''} ${e.message}`);
  process.exit(1);
});
