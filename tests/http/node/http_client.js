// Node's http client against a coronet http::server (server_interop_test.cpp): keep-alive
// requests through one Agent socket, a chunked POST, a chunked response and a HEAD. Prints one
// line per exchange; exits non-zero on any error.
//
//   node http_client.js PORT
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(options, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, ...options }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ req, res, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      // Written in pieces without a length: Node sends the body chunked.
      for (const piece of body) req.write(piece);
    }
    req.end();
  });
}

async function main() {
  for (const path of ['/a', '/b', '/c']) {
    const { req, res, body } = await request({ path });
    console.log(`GET ${path} ${res.statusCode} ${body} reused=${req.reusedSocket}`);
  }
  {
    const { req, res, body } = await request({ method: 'POST', path: '/echo' }, ['hello ', 'world']);
    console.log(`POST /echo ${res.statusCode} ${body} te=${res.headers['x-request-te']} ` +
                `reused=${req.reusedSocket}`);
  }
  {
    const { res, body } = await request({ path: '/stream' });
    console.log(`GET /stream ${res.statusCode} ${body} te=${res.headers['transfer-encoding']}`);
  }
  {
    const { res, body } = await request({ method: 'HEAD', path: '/a' });
    console.log(`HEAD /a ${res.statusCode} length=${res.headers['content-length']} body=${body.length}`);
  }
  agent.destroy();
  console.log('done');
}

main().catch((e) => {
  console.error(`http_client.js: ${e.stack || e}`);
  process.exit(1);
});
