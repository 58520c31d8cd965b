// A Node child that sends every message back to its parent; it exits when the parent
// disconnects (the channel is then all that kept it running).
process.on('message', (message) => process.send(message))
