// The Node echo child of the IPC benchmark (bench/ipc.sh): every message goes straight back.
process.on('message', (m) => process.send(m))
