/* What the two raw liburing echo peers (uring_echo_plain.c, uring_echo_multishot.c) share: the
 * command line, the listening socket, the ring set-up with its flag fallbacks, the signalfd that
 * ends them, and the multishot accept. The echo loops themselves, which are what the benchmark
 * compares, are written out in each peer. Linux only; single-threaded. */
#ifndef CORONET_BENCH_URING_PEER_H
#define CORONET_BENCH_URING_PEER_H

#include <liburing.h>
#include <signal.h>
#include <sys/signalfd.h>

/* user_data of the operations that are not a connection's: a connection's carry its (at least
 * 8-byte aligned) address with the operation in the low bits, which is never one of these. */
enum {
  PEER_TAG_ACCEPT = 1,
  PEER_TAG_ACCEPT_RETRY = 2, /* the back-off timer after EMFILE and the like */
  PEER_TAG_SIGNAL = 3,
};

struct peer {
  const char* prog;
  int port;              /* TCP on 127.0.0.1, or -1 */
  const char* unix_path; /* or a unix stream socket, or NULL */
  int listen_fd;
  int signal_fd;
  struct signalfd_siginfo siginfo; /* where the signalfd read lands */
  struct __kernel_timespec retry_delay;
  const char* ring_mode; /* which set-up flags the kernel took */
  struct io_uring ring;
};

/* Parses --port P | --unix PATH (exits 2 with usage on bad flags, 0 after --help), blocks
 * SIGINT/SIGTERM into a signalfd, listens, sets up the ring; exits 1 on failure. */
void peer_init(struct peer* p, int argc, char** argv, const char* summary);

/* The next SQE, submitting what is queued when the submission queue is full. */
struct io_uring_sqe* peer_sqe(struct peer* p);

/* Arms the multishot accept, and the read of the signalfd. */
void peer_arm_accept(struct peer* p);
void peer_arm_signal(struct peer* p);

/* For a PEER_TAG_ACCEPT or PEER_TAG_ACCEPT_RETRY completion: re-arms the accept when it ended
 * and returns the accepted descriptor (TCP_NODELAY set on TCP), or -1 when there is none. */
int peer_on_accept(struct peer* p, const struct io_uring_cqe* cqe);

/* Prints the "listening ..." line the benchmark scripts do not need but people do. */
void peer_announce(const struct peer* p);

/* Releases the listening socket (and removes the unix socket's path). */
void peer_close(struct peer* p);

#endif
