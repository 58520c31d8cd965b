// session: one TLS connection's state behind tls::stream: the SSL object, the stream under it,
// and the ciphertext moving between them.
//
// OpenSSL reads and writes through a BIO of ours (bio.cpp) that never blocks and never touches
// the socket: reading takes bytes from `pending` (a buffer the scheduler lent to a receive, read
// by OpenSSL in place: no copy into a memory BIO first), writing appends to `out`. The coroutines
// here move bytes between those and the stream when OpenSSL says it wants more (WANT_READ) or
// has written something.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include "context_impl.hpp"
#include "coronet/detail/event.hpp"
#include "coronet/received.hpp"
#include "coronet/stream.hpp"
#include "coronet/task.hpp"
#include "coronet/tls/context.hpp"
#include "plain_block.hpp"
#include "tls_error.hpp"

namespace coronet::tls::detail {

// The BIO over a session (bio.cpp).
BIO* make_bio(class session& s);
// Clients' new-session callback (context.cpp installs it): the context's cache keeps it.
int remember_session(SSL* ssl, SSL_SESSION* s);

// Shared by the stream and each operation in flight (they keep it alive to finish in).
class session : public std::enable_shared_from_this<session> {
 public:
  session(coronet::stream next, context ctx, bool client, std::string server_name);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  task<> handshake();
  task<std::size_t> read_some(std::span<std::byte> buf);
  // Decrypted bytes in a block taken once they are there (valid until the next read); empty at
  // the peer's close_notify. The block of the last call goes back first: a waiting reader
  // holds none.
  task<std::span<const std::byte>> receive();
  task<> write_all(std::span<const std::byte> buf);
  task<> shutdown();

  // For the BIO.
  int bio_read(char* buf, int len) noexcept;
  int bio_write(const char* buf, int len);

  bool has_buffered_input() const noexcept;
  // "handshake 127.0.0.1:8443"
  std::string context_of(const char* verb) const;

  coronet::stream next;
  context ctx;
  SSL* ssl = nullptr;
  std::string server_name;
  bool client;
  bool handshake_done = false;
  std::string version, cipher, alpn;  // copied after the handshake for string_view access
  std::string cache_key;              // clients: "name|address", where resumption looks

 private:
  // Moves what OpenSSL wrote to the stream. With `wait`, returns only once it is all sent (also
  // what another coroutine is sending now); without, leaves bytes to a send in progress.
  task<> flush(bool wait);
  // What a reader sends on its way (OpenSSL's answer to a KeyUpdate): unwaited, uncancelled.
  task<> answer();
  // More ciphertext from the stream into `pending`; false at its end.
  task<bool> fill();
  // One SSL_read into `buf`: true with `n` bytes, false when OpenSSL wants more ciphertext;
  // n == 0 and true at the peer's close_notify. Throws what else fails.
  bool read_once(std::span<std::byte> buf, std::size_t& n);
  // The error of a failed SSL call (`rc` its return value), as a system_error naming `verb`.
  tls_error failure(const char* verb, int rc);
  void after_handshake();

  // Ciphertext received and not yet read by OpenSSL: a lent buffer (servers), or own_in.
  received lent_;
  std::unique_ptr<std::byte[]> own_in_;
  std::span<const std::byte> pending_;
  bool eof_ = false;
  // Ciphertext OpenSSL wrote: `out_` collects, `sending_` is on its way to the stream.
  std::string out_, sending_;
  bool sending_now_ = false;
  coronet::detail::event sent_;
  // What the last receive() handed out, until the next read.
  plain_block plain_;
};

}  // namespace coronet::tls::detail
