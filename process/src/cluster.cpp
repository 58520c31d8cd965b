// cluster: the primary (fork, hand over, watch, restart, stop) and the worker (take what comes
// over the channel and serve it). See coronet/process/cluster.hpp.
#include "coronet/process/cluster.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <exception>
#include <fstream>
#include <iterator>
#include <list>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "coronet/cancellation.hpp"
#include "coronet/detail/event.hpp"
#include "coronet/error.hpp"
#include "coronet/per_core.hpp"
#include "coronet/process/json.hpp"
#include "coronet/process/parent_channel.hpp"
#include "coronet/process/spawn.hpp"
#include "coronet/process/this_program.hpp"
#include "coronet/serve.hpp"
#include "coronet/task_group.hpp"
#include "coronet/timer.hpp"
#include "coronet/when_any.hpp"
#include "coronet/with_timeout.hpp"

namespace coronet::process::cluster {
namespace {

constexpr const char* worker_variable = "CORONET_CLUSTER_WORKER";
constexpr std::string_view cluster_cmd = "CORONET_CLUSTER";
// Connections accepted but not handed to a worker yet: past this many the primary stops
// accepting until workers take some (the kernel's backlog holds the rest).
constexpr std::size_t max_pending = 256;

struct worker_environment {
  bool is_worker = false;
  unsigned id = 0;
};

const worker_environment& environment() noexcept {
  static const worker_environment e = [] {
    worker_environment w;
    const char* v = std::getenv(worker_variable);
    if (!v) return w;
    w.is_worker = true;
    const std::string_view text(v);
    std::from_chars(text.data(), text.data() + text.size(), w.id);
    return w;
  }();
  return e;
}

// This process's arguments after argv[0].
std::vector<std::string> self_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.emplace_back(all, start, end - start);
    start = end + 1;
  }
  if (!args.empty()) args.erase(args.begin());
  return args;
}

boost::json::value cluster_message(std::string_view act) {
  boost::json::object o;
  o["cmd"] = cluster_cmd;
  o["act"] = act;
  return o;
}

// The "act" of one of the cluster's own messages, or "" for any other message.
std::string_view cluster_act(const boost::json::value& v) {
  const auto* o = v.if_object();
  if (!o) return {};
  const auto* cmd = o->if_contains("cmd");
  const auto* act = o->if_contains("act");
  if (!cmd || !act || !cmd->is_string() || !act->is_string() || cmd->get_string() != cluster_cmd)
    return {};
  return act->get_string();
}

bool is_bad_line(const std::system_error& e) {
  return e.code() == channel_error::bad_message || e.code() == channel_error::message_too_long;
}

void report(std::exception_ptr e, std::string_view where) {
  if (e && !is_cancellation(e)) report_unhandled_exception(std::move(e), where);
}

struct worker_slot {
  cluster::worker info;
  process::child child;
  bool connected = true;  // its channel can still take a hand-over
};
using slot_ptr = std::shared_ptr<worker_slot>;

class primary {
 public:
  primary(coronet::basic_listener& server, std::function<handle()> copy_server, const options& o)
      : server_(server),
        copy_server_(std::move(copy_server)),
        o_(o),
        program_(o.program.empty() ? this_program() : o.program),
        args_(o.args ? *o.args : self_arguments()) {}

  task<> run() {
    std::exception_ptr stopped;
    try {
      const unsigned n = o_.workers ? o_.workers : default_core_count();
      for (unsigned i = 0; i < n; ++i) start_worker();
      if (o_.scheduling == scheduling::round_robin) {
        auto first = co_await when_any(accept_loop(), wait_until_no_worker());
        (void)first;  // the accept loop ends only by failing or by cancellation
      } else {
        co_await wait_until_no_worker();
      }
    } catch (...) {
      stopped = std::current_exception();
    }
    task<> stop = coronet::detail::shielded(shutdown());
    co_await std::move(stop);
    if (stopped) std::rethrow_exception(stopped);
  }

 private:
  void start_worker() {
    process::options so = o_.spawn;
    const unsigned id = next_id_++;
    so.env_add[worker_variable] = std::to_string(id);
    auto w = std::make_shared<worker_slot>();
    w->child = fork(program_, args_, so);
    w->info = worker{id, w->child.pid(), &w->child.channel()};
    workers_.push_back(w);
    ++running_;
    if (o_.on_fork) o_.on_fork(w->info);
    tasks_.spawn(watch(w));
    if (o_.scheduling == scheduling::shared) {
      tasks_.spawn(give_server(w));
    } else {
      free_.push_back(w);
      dispatch();
    }
  }

  // Reads the worker's channel (its messages, and the answers to hand-overs) until it ends, then
  // reaps the worker, reports it, and restarts it if asked to.
  task<> watch(slot_ptr w) {
    try {
      for (;;) {
        std::optional<boost::json::value> m;
        try {
          std::optional<boost::json::value> got = co_await w->child.channel().receive();
          m = std::move(got);
        } catch (const std::system_error& e) {
          if (!is_bad_line(e)) throw;
          report(std::current_exception(), "cluster worker message");
          continue;
        }
        if (!m) break;
        try {
          const std::string_view act = cluster_act(*m);
          if (act == "online") {
            if (o_.on_online) o_.on_online(w->info);
          } else if (act == "listening") {
            if (o_.on_listening) o_.on_listening(w->info);
          } else if (act.empty() && o_.on_message) {
            o_.on_message(w->info, std::move(*m));
          }
        } catch (...) {
          report(std::current_exception(), "cluster on_message");
        }
      }
    } catch (...) {
      report(std::current_exception(), "cluster worker channel");
    }
    w->connected = false;
    std::erase(free_, w);
    exit_status status{};
    try {
      status = co_await w->child.wait();
    } catch (...) {
      report(std::current_exception(), "cluster worker wait");
    }
    --running_;
    std::erase(workers_, w);
    try {
      if (o_.on_exit) o_.on_exit(w->info, status);
      if (o_.restart && !stopping_) start_worker();
    } catch (...) {
      report(std::current_exception(), "cluster worker exit");
    }
    if (running_ == 0) no_worker_.set();
  }

  task<> accept_loop() {
    for (;;) {
      while (pending_.size() >= max_pending) co_await wait_for_room();
      stream s = co_await server_.accept();
      pending_.push_back(std::move(s));
      dispatch();
    }
  }

  task<> wait_for_room() {
    room_.reset();
    co_await room_.wait();
  }

  task<> wait_until_no_worker() {
    if (running_ == 0) co_return;
    co_await no_worker_.wait();
  }

  // Node's round robin: each free worker (no hand-over in flight) gets the oldest connection.
  void dispatch() {
    while (!pending_.empty() && !free_.empty()) {
      slot_ptr w = std::move(free_.front());
      free_.pop_front();
      stream s = std::move(pending_.front());
      pending_.pop_front();
      tasks_.spawn(hand_over(std::move(w), std::move(s)));
    }
    if (pending_.size() < max_pending) room_.set();
  }

  task<> hand_over(slot_ptr w, stream s) {
    try {
      boost::json::value m = cluster_message("connection");
      co_await w->child.channel().send(std::move(m), std::move(s));
    } catch (...) {
      // The worker left (the watcher reports it); the connection went with it.
      co_return;
    }
    if (w->connected && !stopping_) {
      free_.push_back(std::move(w));
      dispatch();
    }
  }

  // shared scheduling: the worker gets a copy of the listening socket.
  task<> give_server(slot_ptr w) {
    try {
      handle copy = copy_server_();
      boost::json::value m = cluster_message("listener");
      co_await w->child.channel().send(std::move(m), std::move(copy));
    } catch (...) {
      if (w->connected && !stopping_)
        report(std::current_exception(), "cluster listener hand-over");
    }
  }

  // Stop accepting, disconnect every worker, wait for them to exit (killing the ones that take
  // too long), and for every task.
  task<> shutdown() {
    stopping_ = true;
    pending_.clear();
    free_.clear();
    for (const slot_ptr& w : workers_) w->child.channel().disconnect();
    if (running_ > 0) {
      auto first =
          co_await when_any(wait_until_no_worker(), coronet::detail::sleep_task(o_.stop_timeout));
      if (first.index() == 1)
        for (const slot_ptr& w : workers_) w->child.kill(SIGKILL);
    }
    co_await tasks_.join();  // its tasks catch everything themselves
  }

  coronet::basic_listener& server_;
  std::function<handle()> copy_server_;
  const options& o_;
  std::string program_;
  std::vector<std::string> args_;

  std::vector<slot_ptr> workers_;  // forked and not reaped yet
  std::deque<slot_ptr> free_;      // round robin: no hand-over in flight
  std::deque<stream> pending_;     // round robin: accepted, not handed over yet
  task_group tasks_;
  coronet::detail::event no_worker_;  // running_ dropped to 0
  coronet::detail::event room_;       // pending_ has room again
  unsigned running_ = 0;
  unsigned next_id_ = 1;
  bool stopping_ = false;
};

task<> run_primary_on(coronet::basic_listener& server, std::function<handle()> copy, options o) {
  primary p(server, std::move(copy), o);
  co_await p.run();
}

// A duplicate of a listening socket, for a worker (the primary keeps its own).
int duplicate(coronet::basic_listener& l) {
  const int fd = ::fcntl(l.native_handle(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    const int err = errno;
    throw_errno(err, "cluster: dup listener");
  }
  return fd;
}

// Worker side.

// The connections the primary hands over, as a listener that serve() accepts from.
class handed_over {
 public:
  void push(stream s) {
    if (!open_) return;  // stopping: the connection is closed
    ready_.push_back(std::move(s));
    arrived_.set();
  }
  task<stream> accept() {
    for (;;) {
      if (!open_) throw_errno(ECANCELED, "cluster worker: accept");
      if (!ready_.empty()) {
        stream s = std::move(ready_.front());
        ready_.pop_front();
        co_return s;
      }
      arrived_.reset();
      co_await arrived_.wait();
    }
  }
  void close() noexcept {
    open_ = false;
    ready_.clear();
    arrived_.set();
  }
  bool is_open() const noexcept { return open_; }

 private:
  std::deque<stream> ready_;
  coronet::detail::event arrived_;
  bool open_ = true;
};

// shared scheduling: accept on the listening socket the primary gave. A failure of that socket
// is reported and ends only its own serve(), not the worker.
template <class Listener>
task<> serve_given(Listener l, const connection_handler& on_connection, serve_options so) {
  // Every worker accepts on this socket: one accept at a time lets them take turns (with
  // io_uring's multishot accept the kernel gives every connection to one of them; measured in
  // docs/multicore.md).
  l.set_accept_one_at_a_time(true);
  try {
    co_await serve(l, on_connection, std::move(so));
  } catch (...) {
    report(std::current_exception(), "cluster worker accept");
  }
}

}  // namespace

bool is_worker() noexcept {
  return environment().is_worker;
}

unsigned worker_id() noexcept {
  return environment().id;
}

task<> run_primary(tcp::listener& server, const options& o) {
  return run_primary_on(
      server, [&server]() -> handle { return tcp::listener::from_native(duplicate(server)); }, o);
}

task<> run_primary(unix::listener& server, const options& o) {
  return run_primary_on(
      server, [&server]() -> handle { return unix::listener::from_native(duplicate(server)); }, o);
}

task<> run_worker(channel& primary, connection_handler on_connection,
                  std::function<void(boost::json::value)> on_message) {
  // The primary disconnecting stops every serve() of this worker gracefully.
  std::stop_source disconnected;
  serve_options so;
  so.stop = disconnected.get_token();
  handed_over handed;
  task_group servers;
  servers.spawn(serve(handed, on_connection, so));
  std::exception_ptr stopped;
  try {
    boost::json::value online = cluster_message("online");
    co_await primary.send(std::move(online));
    for (;;) {
      std::optional<message> m;
      try {
        std::optional<message> got = co_await primary.receive_with_handle();
        m = std::move(got);
      } catch (const std::system_error& e) {
        if (!is_bad_line(e)) throw;
        report(std::current_exception(), "cluster primary message");
        continue;
      }
      if (!m) break;  // the primary disconnected, or is gone
      const std::string_view act = cluster_act(m->value);
      if (act == "connection") {
        if (auto* s = std::get_if<stream>(&m->handle)) handed.push(std::move(*s));
      } else if (act == "listener") {
        bool listening = true;
        if (auto* l = std::get_if<tcp::listener>(&m->handle))
          servers.spawn(serve_given(std::move(*l), on_connection, so));
        else if (auto* u = std::get_if<unix::listener>(&m->handle))
          servers.spawn(serve_given(std::move(*u), on_connection, so));
        else
          listening = false;
        if (listening) {
          boost::json::value said = cluster_message("listening");
          co_await primary.send(std::move(said));
        }
      } else if (act.empty() && on_message) {
        on_message(std::move(m->value));
      }
    }
  } catch (...) {
    stopped = std::current_exception();
  }
  disconnected.request_stop();
  try {
    co_await servers.join();  // cancelled: the servers stop the same way, the join says so
  } catch (...) {
    if (!stopped) stopped = std::current_exception();
  }
  if (stopped) std::rethrow_exception(stopped);
}

task<> run_worker(connection_handler on_connection,
                  std::function<void(boost::json::value)> on_message) {
  worker_id();                  // read before it is taken out of the environment
  ::unsetenv(worker_variable);  // programs this worker starts are not workers
  std::optional<channel> primary = parent_channel();
  if (!primary) throw_errno(EINVAL, "cluster worker: no channel to the primary");
  co_await run_worker(*primary, std::move(on_connection), std::move(on_message));
}

}  // namespace coronet::process::cluster
