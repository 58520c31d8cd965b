// A chat room in one program: GET / serves a page (chat_page.hpp) whose script joins the
// WebSocket route /chat, and every text message sent there goes to everyone in the room,
// sender included, as "user N: TEXT". Open http://127.0.0.1:8080/ in two browser tabs.
//
// The broadcast sends to each other member in a task of that member's own (its outbox, a
// task_group), so one member that stops reading never holds up the others. Its sends wait in its
// connection's queue; past max_buffered_bytes the library closes that connection and its
// handler ends, taking its outbox with it: memory stays bounded whatever a member does. The
// sender's own copy is awaited before its next message is read: a member that sends faster
// than it reads slows itself down, instead of filling its own queue.
// SIGINT or SIGTERM closes the server gracefully: every member gets 1001 (going away).
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <coronet/http.hpp>
#include <coronet/websocket.hpp>

#include "chat_page.hpp"
#include "support/cli.hpp"
#include "support/http_serve.hpp"

namespace {

namespace ws = coronet::websocket;

class room {
 public:
  struct member {
    ws::connection* connection;
    coronet::task_group* outbox;
    std::string name;
  };

  explicit room(bool quiet) : quiet_(quiet) {}

  std::list<member>::iterator join(ws::connection& c, coronet::task_group& outbox) {
    members_.push_back({&c, &outbox, "user " + std::to_string(++joined_)});
    note(members_.back().name + " joined (" + std::to_string(members_.size()) + " online)");
    return std::prev(members_.end());
  }

  void leave(std::list<member>::iterator m) {
    const std::string name = m->name;
    members_.erase(m);
    note(name + " left (" + std::to_string(members_.size()) + " online)");
  }

  // One copy of the line for all. The others' sends run in their outboxes, without waiting;
  // the sender's own is awaited, so that a member cannot send faster than it reads: its
  // handler reads its next message once this one has gone back to it.
  coronet::task<> broadcast(const member& from, const std::string& text) {
    auto line = std::make_shared<const std::string>(from.name + ": " + text);
    note(*line);
    for (member& m : members_)
      if (&m != &from && m.connection->is_open()) m.outbox->spawn(deliver(*m.connection, line));
    co_await from.connection->send_text(*line);
  }

 private:
  static coronet::task<> deliver(ws::connection& c, std::shared_ptr<const std::string> line) {
    try {
      co_await c.send_text(*line);
    } catch (const std::system_error&) {
      // That member's connection failed or was closed (errc::send_queue_full for one that
      // stopped reading): its own handler sees it end, the others are not concerned.
    }
  }

  void note(const std::string& line) const {
    if (!quiet_) sample::say(line);
  }

  std::list<member> members_;
  unsigned joined_ = 0;
  bool quiet_;
};

// One member, from its joining to its leaving.
coronet::task<> member_session(room& r, ws::connection& c) {
  coronet::task_group outbox;
  const auto me = r.join(c, outbox);
  try {
    for (;;) {
      std::optional<ws::message> m = co_await c.receive();
      if (!m) break;
      if (m->is_binary()) {
        co_await c.close(ws::close_code::unsupported_data, "text messages only");
        break;
      }
      co_await r.broadcast(*me, m->data);
    }
  } catch (const std::system_error& e) {
    if (!coronet::is_cancellation(e)) sample::complain(me->name + ": " + e.what());
  }
  r.leave(me);
  // The sends still queued for this member end now (its connection is closed).
  outbox.cancel();
  co_await outbox.join();
}

}  // namespace

int main(int argc, char** argv) {
  sample::cli cli("chat-server",
                  "Serve a chat page at / and broadcast each message sent to its WebSocket "
                  "/chat to everyone connected.");
  cli.option("host", "HOST", "address to listen on", "0.0.0.0")
      .option("port", "PORT", "port to listen on (0: any free port)", "8080")
      .flag("quiet", "do not print a line per member and message");
  cli.parse(argc, argv);
  const auto port = static_cast<std::uint16_t>(cli.num("port", 0, 65535));

  return sample::run_until_signal([&]() -> coronet::task<int> {
    room r(cli.has("quiet"));
    ws::server_options o;
    // What one member may have waiting to be sent to it before it counts as stalled.
    o.max_buffered_bytes = 1024 * 1024;
    o.max_message_size = 64 * 1024;  // chat lines, not files
    coronet::http::router routes;
    routes.get("/", [](coronet::http::request&) -> coronet::task<coronet::http::response> {
      co_return coronet::http::response(200, std::string(chat_page), "text/html; charset=utf-8");
    });
    routes.get("/chat", ws::accept([&r](ws::connection& c) { return member_session(r, c); }, o));
    coronet::http::server server(routes);
    auto listener = coronet::tcp::listener::bind({cli.str("host"), port});
    sample::say("listening on " + listener.local_address().to_string());
    co_await sample::serve_until_signal(server, listener);
    co_return 0;
  });
}
