// The BIO between OpenSSL and a session: OpenSSL's reads take ciphertext straight from the
// buffer the last receive filled (a buffer the scheduler lent, on servers), its writes collect in
// the session's output. It never blocks: no bytes yet is "retry", which OpenSSL turns into
// SSL_ERROR_WANT_READ for the session's coroutines to act on.
#include <openssl/bio.h>

#include <new>

#include "session.hpp"

namespace coronet::tls::detail {
namespace {

session* owner(BIO* b) noexcept {
  return static_cast<session*>(BIO_get_data(b));
}

int read(BIO* b, char* buf, int len) {
  BIO_clear_retry_flags(b);
  const int n = owner(b)->bio_read(buf, len);
  if (n < 0) BIO_set_retry_read(b);
  return n;
}

int write(BIO* b, const char* buf, int len) {
  BIO_clear_retry_flags(b);
  try {
    return owner(b)->bio_write(buf, len);
  } catch (...) {
    return -1;  // out of memory: OpenSSL fails the call
  }
}

long control(BIO*, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:  // after each flight: the session sends when it gets control back
      return 1;
    default:
      return 0;
  }
}

BIO_METHOD* method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* made = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "coronet stream");
    if (!made) throw std::bad_alloc();
    BIO_meth_set_read(made, read);
    BIO_meth_set_write(made, write);
    BIO_meth_set_ctrl(made, control);
    return made;
  }();
  return m;
}

}  // namespace

BIO* make_bio(session& s) {
  BIO* b = BIO_new(method());
  if (!b) throw std::bad_alloc();
  BIO_set_data(b, &s);
  BIO_set_init(b, 1);
  return b;
}

}  // namespace coronet::tls::detail
