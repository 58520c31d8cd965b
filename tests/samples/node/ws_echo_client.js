// websocket-echo-client in Node (ws), for the interop tests:
//   NODE_PATH=/usr/share/nodejs node ws_echo_client.js URL [COUNT [INTERVAL_MS]]
// A message "hello" every interval; with COUNT it closes (1000) once COUNT echoes came back and
// prints nothing more, as websocket-echo-client does. ws offers permessage-deflate.
const WebSocket = require('ws')
const [url, countArg, intervalArg] = process.argv.slice(2)
const count = Number(countArg ?? 0)
const interval = Number(intervalArg ?? 3000)
const ws = new WebSocket(url)
let sent = 0
let received = 0
let timer
ws.on('open', () => {
  console.log('connected.')
  timer = setInterval(() => {
    if (count && sent === count) return
    console.log('send: hello')
    sent++
    ws.send('hello')
  }, interval)
})
ws.on('message', (data, isBinary) => {
  console.log(`receive: ${isBinary ? `(binary, ${data.length} bytes)` : data}`)
  if (count && ++received === count) {
    clearInterval(timer)
    ws.close(1000)
  }
})
ws.on('close', (code, reason) => {
  clearInterval(timer)
  if (!count || received < count)
    console.log(`disconnected: ${code}${reason.length ? ` ${reason}` : ''}`)
})
ws.on('error', (err) => {
  console.error(err.message)
  process.exitCode = 1
})
