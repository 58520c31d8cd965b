/* uring-echo-multishot: the other "limit" peer of bench/echo.sh, an io_uring echo server using
 * what the kernel offers to cut per-message work: a multishot accept, one multishot recv per
 * connection that stays armed across messages, and a provided buffer ring the kernel picks the
 * receive buffers from (so an idle connection holds no buffer). What arrives is sent straight
 * from the provided buffer, which goes back to the ring when its send has completed.
 * Single-threaded, no abstraction.
 *
 *   uring-echo-multishot --port P      TCP on 127.0.0.1:P
 *   uring-echo-multishot --unix PATH   unix stream socket at PATH
 *
 * Exits 0 on SIGINT/SIGTERM, 1 on set-up failure, 2 on bad flags. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uring_peer.h"

/* Buffers as large as the other servers' read buffers; more of them than the echo benchmark's
 * 500 connections have messages in flight, so the closed loop does not run the ring dry. Their
 * pages become resident only once the kernel has received into them. */
#define BUF_SIZE 16384
#define BUF_COUNT 1024 /* a power of two, as the ring requires */
#define BUF_GROUP 0

enum { OP_RECV = 1, OP_SEND = 2, OP_MASK = 7 };

struct conn {
  int fd;
  int recv_armed; /* the multishot recv is pending */
  int send_busy;  /* a send is in flight (one at a time keeps the bytes in order) */
  int closing;    /* no more receiving; go once the sends are done */
  int starved;    /* on the starved list, waiting for buffers to re-arm the recv */
  unsigned sent;  /* bytes of the head buffer sent so far */
  int head, tail; /* buffers received and not yet sent back, linked through next_bid */
  struct conn* next_starved;
};

static struct peer peer;
static struct io_uring_buf_ring* buf_ring;
static char* buffers;
static unsigned buf_len[BUF_COUNT];
static int next_bid[BUF_COUNT];
static struct conn* starved; /* connections whose recv ended with ENOBUFS */
static unsigned returned;    /* buffers given back in this loop turn */

static char* buffer(int bid) {
  return buffers + (size_t)bid * BUF_SIZE;
}

/* Liburing 2.3 has no io_uring_setup_buf_ring(): map the ring, initialise it, register it, and
 * hand every buffer to the kernel. */
static void setup_buffers(void) {
  size_t ring_bytes = BUF_COUNT * sizeof(struct io_uring_buf);
  void* ring = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ring == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  buffers = mmap(NULL, (size_t)BUF_COUNT * BUF_SIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (buffers == MAP_FAILED) {
    perror("mmap");
    exit(1);
  }
  buf_ring = ring;
  io_uring_buf_ring_init(buf_ring);
  struct io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = (unsigned long)(uintptr_t)ring;
  reg.ring_entries = BUF_COUNT;
  reg.bgid = BUF_GROUP;
  int rc = io_uring_register_buf_ring(&peer.ring, &reg, 0);
  if (rc != 0) {
    fprintf(stderr, "%s: io_uring_register_buf_ring (needs Linux 5.19): %s\n", peer.prog,
            strerror(-rc));
    exit(1);
  }
  for (int bid = 0; bid < BUF_COUNT; ++bid)
    io_uring_buf_ring_add(buf_ring, buffer(bid), BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(BUF_COUNT), bid);
  io_uring_buf_ring_advance(buf_ring, BUF_COUNT);
}

static void give_back(int bid) {
  io_uring_buf_ring_add(buf_ring, buffer(bid), BUF_SIZE, (unsigned short)bid,
                        io_uring_buf_ring_mask(BUF_COUNT), 0);
  io_uring_buf_ring_advance(buf_ring, 1);
  ++returned;
}

static void arm_recv(struct conn* c) {
  struct io_uring_sqe* sqe = peer_sqe(&peer);
  io_uring_prep_recv_multishot(sqe, c->fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = BUF_GROUP;
  io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | OP_RECV);
  c->recv_armed = 1;
}

static void arm_send(struct conn* c) {
  struct io_uring_sqe* sqe = peer_sqe(&peer);
  io_uring_prep_send(sqe, c->fd, buffer(c->head) + c->sent, buf_len[c->head] - c->sent,
                     MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | OP_SEND);
  c->send_busy = 1;
}

/* Frees the connection once nothing of it is pending in the kernel any more. */
static void maybe_drop(struct conn* c) {
  if (!c->closing || c->recv_armed || c->send_busy || c->starved) return;
  for (int bid = c->head; bid >= 0; bid = next_bid[bid]) give_back(bid);
  close(c->fd);
  free(c);
}

static void begin_close(struct conn* c, int broken) {
  c->closing = 1;
  /* The multishot recv stays armed until the socket stops delivering: end it. After an orderly
   * end of stream (recv not armed) queued echoes still go out first. */
  if (c->recv_armed || broken) shutdown(c->fd, SHUT_RDWR);
  maybe_drop(c);
}

static void on_recv(struct conn* c, const struct io_uring_cqe* cqe) {
  if (!(cqe->flags & IORING_CQE_F_MORE)) c->recv_armed = 0;
  if (cqe->res > 0) {
    int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    buf_len[bid] = (unsigned)cqe->res;
    next_bid[bid] = -1;
    if (c->closing) {
      give_back(bid);
    } else {
      if (c->tail >= 0)
        next_bid[c->tail] = bid;
      else
        c->head = bid;
      c->tail = bid;
      if (!c->send_busy) arm_send(c);
    }
  }
  if (c->recv_armed) return;
  if (c->closing) {
    maybe_drop(c);
  } else if (cqe->res == -ENOBUFS) {
    /* The ring ran dry: try again once buffers have come back, not in a busy loop. */
    c->starved = 1;
    c->next_starved = starved;
    starved = c;
  } else if (cqe->res > 0) {
    arm_recv(c); /* the kernel ended the multishot on its own: re-arm */
  } else if (cqe->res == -EINVAL) {
    fprintf(stderr, "%s: multishot recv (needs Linux 6.0): %s\n", peer.prog, strerror(EINVAL));
    exit(1);
  } else {
    begin_close(c, cqe->res < 0); /* 0: end of stream */
  }
}

static void on_send(struct conn* c, const struct io_uring_cqe* cqe) {
  c->send_busy = 0;
  if (cqe->res < 0) {
    begin_close(c, 1);
    return;
  }
  c->sent += (unsigned)cqe->res;
  int bid = c->head;
  if (c->sent < buf_len[bid]) {
    arm_send(c);
    return;
  }
  c->sent = 0;
  c->head = next_bid[bid];
  if (c->head < 0) c->tail = -1;
  give_back(bid);
  if (c->head >= 0)
    arm_send(c);
  else
    maybe_drop(c);
}

static void rearm_starved(void) {
  while (starved != NULL && returned > 0) {
    struct conn* c = starved;
    starved = c->next_starved;
    c->starved = 0;
    if (c->closing)
      maybe_drop(c);
    else
      arm_recv(c);
  }
}

int main(int argc, char** argv) {
  peer_init(&peer, argc, argv,
            "Raw io_uring echo server: multishot accept and recv, provided buffer ring.");
  setup_buffers();
  peer_arm_accept(&peer);
  peer_arm_signal(&peer);
  peer_announce(&peer);

  for (int stop = 0; !stop;) {
    int rc = io_uring_submit_and_wait(&peer.ring, 1);
    if (rc < 0 && rc != -EINTR) {
      fprintf(stderr, "%s: io_uring_submit_and_wait: %s\n", peer.prog, strerror(-rc));
      return 1;
    }
    returned = 0;
    unsigned head, seen = 0;
    struct io_uring_cqe* cqe;
    io_uring_for_each_cqe(&peer.ring, head, cqe) {
      ++seen;
      uint64_t data = io_uring_cqe_get_data64(cqe);
      switch (data) {
        case PEER_TAG_SIGNAL:
          stop = 1;
          break;
        case PEER_TAG_ACCEPT:
        case PEER_TAG_ACCEPT_RETRY: {
          int fd = peer_on_accept(&peer, cqe);
          if (fd < 0) break;
          struct conn* c = calloc(1, sizeof *c);
          if (c == NULL) {
            close(fd);
            break;
          }
          c->fd = fd;
          c->head = c->tail = -1;
          arm_recv(c);
          break;
        }
        default: {
          struct conn* c = (struct conn*)(uintptr_t)(data & ~(uint64_t)OP_MASK);
          if ((data & OP_MASK) == OP_RECV)
            on_recv(c, cqe);
          else
            on_send(c, cqe);
        }
      }
    }
    io_uring_cq_advance(&peer.ring, seen);
    rearm_starved();
  }
  /* Open connections go with the process. */
  peer_close(&peer);
  return 0;
}
