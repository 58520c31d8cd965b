// The echo server of the ws README (new WebSocketServer({port: 8080}), ws.send(data) on each
// message), printing websocket-echo-server's lines, for the interop tests:
//   NODE_PATH=/usr/share/nodejs node ws_echo_server.js [PORT]
// It accepts permessage-deflate (ws leaves it off by default on a server) and listens on
// 127.0.0.1; PORT 0 picks a free port, which the first line says.
const { WebSocketServer } = require('ws')
const port = Number(process.argv[2] ?? 8080)
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: true })
const shown = (data, isBinary) => (isBinary ? `(binary, ${data.length} bytes)` : `${data}`)
wss.on('listening', () => console.log(`listening on 127.0.0.1:${wss.address().port}`))
wss.on('connection', (ws) => {
  console.log('socket connected')
  ws.on('message', (data, isBinary) => {
    console.log(`receive: ${shown(data, isBinary)}`)
    ws.send(data, { binary: isBinary })
    console.log(`send: ${shown(data, isBinary)}`)
  })
  ws.on('close', (code, reason) =>
    console.log(`socket disconnected: ${code}${reason.length ? ` ${reason}` : ''}`))
  ws.on('error', (err) => console.error(err.message))
})
