#include "coronet/resolve.hpp"

#ifdef _WIN32
#include <boost/system/error_code.hpp>
#else
#include <netdb.h>
#endif

#include <cerrno>
#include <coroutine>
#include <memory>
#include <optional>
#include <stop_token>
#include <thread>

#include "coronet/detail/native.hpp"  // getaddrinfo on Windows (ws2tcpip.h)
#include "coronet/detail/promise_base.hpp"
#include "coronet/error.hpp"
#include "coronet/scheduler.hpp"

namespace coronet {
namespace {

class resolver_errors final : public std::error_category {
 public:
  const char* name() const noexcept override { return "resolver"; }
  std::string message(int ev) const override {
#ifdef _WIN32
    // getaddrinfo's errors are WSA codes there (WSAHOST_NOT_FOUND...): the system's text.
    return boost::system::system_category().message(ev);
#else
    return ::gai_strerror(ev);
#endif
  }
};

// Shared by the awaiting coroutine and the lookup thread; only touched on the scheduler thread
// once the thread posts its answer back.
struct lookup {
  std::string host;
  std::uint16_t port;
  std::vector<socket_address> addrs;
  int gai_error = 0;
  int sys_errno = 0;
  std::coroutine_handle<> waiter;  // null once the awaiter no longer waits
  bool cancelled = false;
};

class lookup_awaiter {
 public:
  explicit lookup_awaiter(std::shared_ptr<lookup> l) : l_(std::move(l)) {}
  // Destroyed while waiting (its coroutine was destroyed): the late answer must not resume it.
  ~lookup_awaiter() { l_->waiter = {}; }
  lookup_awaiter(const lookup_awaiter&) = delete;
  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    std::stop_token token = detail::stop_token_of(h);
    if (token.stop_requested()) {
      l_->cancelled = true;
      return false;
    }
    l_->waiter = h;
    remote_scheduler s = scheduler::current().remote();
    std::thread([l = l_, s] {
      addrinfo hints{};
      hints.ai_socktype = SOCK_STREAM;
      hints.ai_flags = AI_ADDRCONFIG;
      addrinfo* res = nullptr;
      std::string port = std::to_string(l->port);
      const int rc = ::getaddrinfo(l->host.c_str(), port.c_str(), &hints, &res);
      const int err = errno;
      std::vector<socket_address> addrs;
      for (addrinfo* ai = res; ai; ai = ai->ai_next)
        addrs.push_back(socket_address::from_native(ai->ai_addr, ai->ai_addrlen));
      if (res) ::freeaddrinfo(res);
      // If the scheduler is gone, post() drops this and `l` dies with the lambda.
      s.post([l, rc, err, addrs = std::move(addrs)]() mutable {
        l->gai_error = rc;
        l->sys_errno = err;
        l->addrs = std::move(addrs);
        if (auto w = std::exchange(l->waiter, {})) w.resume();
      });
    }).detach();
    if (token.stop_possible()) cb_.emplace(std::move(token), canceller{this});
    return true;
  }

  std::vector<socket_address> await_resume() {
    cb_.reset();
    if (l_->cancelled) throw_errno(ECANCELED, "resolve " + l_->host);
#ifdef EAI_SYSTEM
    if (l_->gai_error == EAI_SYSTEM) throw_errno(l_->sys_errno, "resolve " + l_->host);
#endif
    if (l_->gai_error != 0)
      throw_error(std::error_code(l_->gai_error, resolver_category()), "resolve " + l_->host);
    return std::move(l_->addrs);
  }

 private:
  struct canceller {
    lookup_awaiter* self;
    void operator()() const noexcept {
      auto& l = *self->l_;
      l.cancelled = true;
      if (auto w = std::exchange(l.waiter, {})) scheduler::current().schedule(w);
    }
  };
  std::shared_ptr<lookup> l_;
  std::optional<std::stop_callback<canceller>> cb_;
};

}  // namespace

const std::error_category& resolver_category() noexcept {
  static const resolver_errors c;
  return c;
}

task<std::vector<socket_address>> resolve(std::string host, std::uint16_t port) {
  if (auto a = socket_address::parse_ip(host, port)) co_return std::vector<socket_address>{*a};
  auto l = std::make_shared<lookup>();
  l->host = std::move(host);
  l->port = port;
  co_return co_await lookup_awaiter(l);
}

}  // namespace coronet
