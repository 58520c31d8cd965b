/* uring-echo-plain: the simplest io_uring echo server, one of the two "limit" peers of
 * bench/echo.sh. Single-threaded, no abstraction: per connection one recv into the
 * connection's own buffer, then a send of what arrived (again for the rest after a short send),
 * then the next recv. Accepts with a multishot accept.
 *
 *   uring-echo-plain --port P      TCP on 127.0.0.1:P
 *   uring-echo-plain --unix PATH   unix stream socket at PATH
 *
 * Exits 0 on SIGINT/SIGTERM, 1 on set-up failure, 2 on bad flags. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uring_peer.h"

/* The size of the coronet sample's and the Asio peer's read buffers, so that every server reads
 * at most as much per call. */
#define BUF_SIZE 16384

enum { OP_RECV = 1, OP_SEND = 2, OP_MASK = 7 };

struct conn {
  int fd;
  unsigned len;  /* bytes of the last recv, being sent back */
  unsigned sent; /* of them, sent so far */
  char buf[BUF_SIZE];
};

static struct peer peer;

static void arm_recv(struct conn* c) {
  struct io_uring_sqe* sqe = peer_sqe(&peer);
  io_uring_prep_recv(sqe, c->fd, c->buf, BUF_SIZE, 0);
  io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | OP_RECV);
}

static void arm_send(struct conn* c) {
  struct io_uring_sqe* sqe = peer_sqe(&peer);
  io_uring_prep_send(sqe, c->fd, c->buf + c->sent, c->len - c->sent, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | OP_SEND);
}

/* Exactly one operation is pending per connection, so when it ends the connection can go. */
static void drop(struct conn* c) {
  close(c->fd);
  free(c);
}

static void on_completion(const struct io_uring_cqe* cqe) {
  uint64_t data = io_uring_cqe_get_data64(cqe);
  struct conn* c = (struct conn*)(uintptr_t)(data & ~(uint64_t)OP_MASK);
  if ((data & OP_MASK) == OP_RECV) {
    if (cqe->res <= 0) { /* end of stream, or reset */
      drop(c);
      return;
    }
    c->len = (unsigned)cqe->res;
    c->sent = 0;
    arm_send(c);
  } else {
    if (cqe->res < 0) {
      drop(c);
      return;
    }
    c->sent += (unsigned)cqe->res;
    if (c->sent < c->len)
      arm_send(c);
    else
      arm_recv(c);
  }
}

int main(int argc, char** argv) {
  peer_init(&peer, argc, argv, "Raw io_uring echo server: one recv, then send, per connection.");
  peer_arm_accept(&peer);
  peer_arm_signal(&peer);
  peer_announce(&peer);

  for (int stop = 0; !stop;) {
    int rc = io_uring_submit_and_wait(&peer.ring, 1);
    if (rc < 0 && rc != -EINTR) {
      fprintf(stderr, "%s: io_uring_submit_and_wait: %s\n", peer.prog, strerror(-rc));
      return 1;
    }
    unsigned head, seen = 0;
    struct io_uring_cqe* cqe;
    io_uring_for_each_cqe(&peer.ring, head, cqe) {
      ++seen;
      switch (io_uring_cqe_get_data64(cqe)) {
        case PEER_TAG_SIGNAL:
          stop = 1;
          break;
        case PEER_TAG_ACCEPT:
        case PEER_TAG_ACCEPT_RETRY: {
          int fd = peer_on_accept(&peer, cqe);
          if (fd < 0) break;
          struct conn* c = malloc(sizeof *c);
          if (c == NULL) {
            close(fd);
            break;
          }
          c->fd = fd;
          arm_recv(c);
          break;
        }
        default:
          on_completion(cqe);
      }
    }
    io_uring_cq_advance(&peer.ring, seen);
  }
  /* Open connections go with the process. */
  peer_close(&peer);
  return 0;
}
