// The seed's parent.js, forking a program given on the command line instead of child.js:
//   node parent_exec.js EXECUTABLE fork|spawn [ARGS...]
// fork: child_process.fork(ARGS[0], ARGS[1..], { execPath: EXECUTABLE }), which runs
// `EXECUTABLE ARGS...`; spawn: child_process.spawn(EXECUTABLE, ARGS, { stdio: [..., 'ipc'] }).
const { fork, spawn } = require('child_process')
const [exe, how, ...args] = process.argv.slice(2)
const child = how === 'spawn'
  ? spawn(exe, args, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] })
  : fork(args[0], args.slice(1), { execPath: exe, stdio: 'inherit' })
child.on('message', (message) => {
  console.log('message from child:', message)
  child.send('hi')
})
