// Everything in coronet::process: child processes (spawn, fork, wait, kill, exec_file), Node's
// message channel between a parent and a child (channel, parent_channel, handles) and Node's
// cluster (process::cluster). See docs/process.md.
//
// Boost.JSON's value is only declared here: a program that sends or receives messages also
// includes <coronet/process/json.hpp>.
#pragma once

#include "coronet/process/channel.hpp"
#include "coronet/process/child.hpp"
#include "coronet/process/cluster.hpp"
#include "coronet/process/exec_file.hpp"
#include "coronet/process/exit_status.hpp"
#include "coronet/process/handle.hpp"
#include "coronet/process/options.hpp"
#include "coronet/process/parent_channel.hpp"
#include "coronet/process/read_to_end.hpp"
#include "coronet/process/spawn.hpp"
#include "coronet/process/this_program.hpp"
