// A Node child that takes handles from its parent (child.send(message, handle)): a socket gets
// the message as JSON and is ended; a server answers its next connection with "served by node"
// and closes. Each time it tells the parent {took: 'net.Socket' | 'net.Server'} (a message
// without a handle: {took: null}). It exits when the parent disconnects.
const net = require('net')
process.on('message', (message, handle) => {
  if (handle instanceof net.Socket) {
    handle.end(JSON.stringify(message))
    process.send({ took: 'net.Socket' })
  } else if (handle instanceof net.Server) {
    handle.once('connection', (socket) => {
      socket.end('served by node')
      handle.close()
    })
    process.send({ took: 'net.Server' })
  } else {
    process.send({ took: null })
  }
})
