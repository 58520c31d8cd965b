// The seed's child.js, as the article has it.
process.on('message', (message) => {
  console.log('message from parent:', message)
})
if (process.send) {
  setInterval(() => process.send('hello'), 3000)
}
