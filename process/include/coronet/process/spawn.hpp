// process::spawn and process::fork: start a program as a child process.
//
//   auto c = coronet::process::spawn("git", {"status"});           // PATH lookup, inherit stdio
//   coronet::process::exit_status s = co_await c.wait();
//
//   auto w = coronet::process::fork("./worker");                   // + Node's message channel
//   co_await w.channel().send("hi");                 // messages: <coronet/process/json.hpp>
//
// The names are Node's (child_process.spawn and child_process.fork), and they mean what they
// mean there, not what the same words mean elsewhere in coronet or in POSIX:
// - process::spawn starts a *program* as a child process; coronet::spawn (coronet/spawn.hpp)
//   starts a *task* (a coroutine) in this process.
// - process::fork never calls fork(2): it spawns `program` (posix_spawn, like spawn) with Node's
//   message channel to it. The child runs `program` from its start, not a copy of this process.
//
// `program` is looked up on PATH when it has no '/' (the child's PATH when options.env sets
// one, else this process's). argv[0] is `program` as given. The child starts with a default
// signal mask and default signal dispositions (whatever this thread blocks or ignores, SIGPIPE
// included), and with only its descriptors 0, 1 and 2 (and 3 for fork) open: every other one is
// closed in the child, inherited or not.
//
// Failures throw std::system_error naming the program: "spawn nosuch: No such file or
// directory", "spawn ./notes.txt: Permission denied", "spawn ls: working directory /nope: No such
// file or directory". Both run inside coronet::run (pipes and the pidfd join its scheduler).
//
// Windows: a program without '/', '\\' or a drive is looked up on PATH (not in the working
// directory first, unlike CreateProcess), as `program` or `program.exe`; a relative path is taken
// from options.cwd. The arguments are quoted so that the child's C runtime splits them back
// exactly (a .bat or .cmd file is not run through cmd.exe: spawn "cmd" with "/c"). The child
// inherits only its standard handles (and fork's channel), through
// PROC_THREAD_ATTRIBUTE_HANDLE_LIST.
#pragma once

#include <string>
#include <vector>

#include "coronet/process/child.hpp"
#include "coronet/process/options.hpp"

namespace coronet::process {

child spawn(const std::string& program, const std::vector<std::string>& args = {},
            const options& opts = {});

// spawn, plus a channel: one end of socketpair(AF_UNIX, SOCK_STREAM) becomes the child's fd 3 and
// its environment gets NODE_CHANNEL_FD=3 and NODE_CHANNEL_SERIALIZATION_MODE=json, as Node's
// child_process.fork does; the other end is child.channel(). The child may be a Node script
// (`fork("node", {"child.js"})`) or a program that calls process::parent_channel().
// Windows: the channel is a named pipe that the child's C runtime opens as descriptor 3 (the
// way Node passes it); a Node child cannot use it there, see channel.hpp.
child fork(const std::string& program, const std::vector<std::string>& args = {},
           const options& opts = {});

}  // namespace coronet::process
