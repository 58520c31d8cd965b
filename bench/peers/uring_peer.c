/* See uring_peer.h. */
#define _GNU_SOURCE
#include "uring_peer.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Big enough that 10,000 clients connecting in a burst (bench/idle.sh) are not refused; the
 * kernel caps it at net.core.somaxconn. */
#define PEER_BACKLOG 4096
#define PEER_SQ_ENTRIES 1024
/* Completions can outnumber submissions (multishot accept and receive post many per SQE), so
 * the completion queue is larger than the default twice the submission queue. */
#define PEER_CQ_ENTRIES 16384

static void usage(FILE* out, const char* prog, const char* summary) {
  fprintf(out,
          "usage: %s --port P | --unix PATH\n"
          "%s\n"
          "  --port P      listen on TCP 127.0.0.1:P (TCP_NODELAY on accepted sockets)\n"
          "  --unix PATH   listen on a unix stream socket at PATH\n"
          "Serves until SIGINT or SIGTERM, then exits 0.\n",
          prog, summary);
}

static void die(const struct peer* p, const char* what, int err) {
  fprintf(stderr, "%s: %s: %s\n", p->prog, what, strerror(err));
  exit(1);
}

static void parse_args(struct peer* p, int argc, char** argv, const char* summary) {
  p->port = -1;
  p->unix_path = NULL;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      usage(stdout, p->prog, summary);
      exit(0);
    }
    if ((strcmp(arg, "--port") == 0 || strcmp(arg, "--unix") == 0) && i + 1 < argc) {
      const char* value = argv[++i];
      if (arg[2] == 'p') {
        char* end = NULL;
        long port = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || port < 0 || port > 65535) {
          fprintf(stderr, "%s: invalid port '%s'\n", p->prog, value);
          usage(stderr, p->prog, summary);
          exit(2);
        }
        p->port = (int)port;
      } else {
        if (*value == '\0' || strlen(value) >= sizeof(((struct sockaddr_un*)0)->sun_path)) {
          fprintf(stderr, "%s: invalid unix socket path '%s'\n", p->prog, value);
          exit(2);
        }
        p->unix_path = value;
      }
      continue;
    }
    fprintf(stderr, "%s: unknown or incomplete argument '%s'\n", p->prog, arg);
    usage(stderr, p->prog, summary);
    exit(2);
  }
  if ((p->port >= 0) == (p->unix_path != NULL)) {
    fprintf(stderr, "%s: give exactly one of --port or --unix\n", p->prog);
    usage(stderr, p->prog, summary);
    exit(2);
  }
}

static int listen_socket(struct peer* p) {
  int fd;
  if (p->port >= 0) {
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die(p, "socket", errno);
    int one = 1;
    /* A server restarted by the next benchmark run binds while old connections linger. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((unsigned short)p->port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr*)&sin, sizeof sin) != 0) die(p, "bind", errno);
    socklen_t len = sizeof sin;
    if (getsockname(fd, (struct sockaddr*)&sin, &len) == 0) p->port = ntohs(sin.sin_port);
  } else {
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die(p, "socket", errno);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    strcpy(sun.sun_path, p->unix_path); /* length checked in parse_args */
    unlink(p->unix_path);               /* a stale socket from an earlier run */
    if (bind(fd, (struct sockaddr*)&sun, sizeof sun) != 0) die(p, "bind", errno);
  }
  if (listen(fd, PEER_BACKLOG) != 0) die(p, "listen", errno);
  return fd;
}

/* The cheapest completion model the kernel offers first: DEFER_TASKRUN runs completion work
 * only when this (single) thread waits for completions, instead of interrupting it; kernels
 * before 6.1 refuse it, and COOP_TASKRUN (5.19) at least avoids the interrupting signal. */
static void setup_ring(struct peer* p) {
  static const struct {
    unsigned flags;
    const char* name;
  } modes[] = {
      {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, "single_issuer+defer_taskrun"},
      {IORING_SETUP_COOP_TASKRUN, "coop_taskrun"},
      {0, "default"},
  };
  int err = 0;
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; ++i) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    params.flags = modes[i].flags | IORING_SETUP_CQSIZE;
    params.cq_entries = PEER_CQ_ENTRIES;
    err = io_uring_queue_init_params(PEER_SQ_ENTRIES, &p->ring, &params);
    if (err == 0) {
      p->ring_mode = modes[i].name;
      return;
    }
    if (err != -EINVAL) break;
  }
  die(p, "io_uring_queue_init_params", -err);
}

void peer_init(struct peer* p, int argc, char** argv, const char* summary) {
  const char* slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
  p->prog = slash ? slash + 1 : (argc > 0 ? argv[0] : "uring-echo");
  parse_args(p, argc, argv, summary);

  /* The signals arrive as a read completion on the ring, so the loop needs no EINTR path. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) die(p, "sigprocmask", errno);
  p->signal_fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (p->signal_fd < 0) die(p, "signalfd", errno);
  signal(SIGPIPE, SIG_IGN); /* sends use MSG_NOSIGNAL; this is for anything else */

  p->listen_fd = listen_socket(p);
  p->retry_delay.tv_sec = 0;
  p->retry_delay.tv_nsec = 10 * 1000 * 1000;
  setup_ring(p);
}

struct io_uring_sqe* peer_sqe(struct peer* p) {
  struct io_uring_sqe* sqe = io_uring_get_sqe(&p->ring);
  if (sqe == NULL) {
    int rc = io_uring_submit(&p->ring);
    if (rc < 0) die(p, "io_uring_submit", -rc);
    sqe = io_uring_get_sqe(&p->ring);
    if (sqe == NULL) die(p, "io_uring_get_sqe", EBUSY);
  }
  return sqe;
}

void peer_arm_accept(struct peer* p) {
  struct io_uring_sqe* sqe = peer_sqe(p);
  io_uring_prep_multishot_accept(sqe, p->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, PEER_TAG_ACCEPT);
}

void peer_arm_signal(struct peer* p) {
  struct io_uring_sqe* sqe = peer_sqe(p);
  io_uring_prep_read(sqe, p->signal_fd, &p->siginfo, sizeof p->siginfo, 0);
  io_uring_sqe_set_data64(sqe, PEER_TAG_SIGNAL);
}

int peer_on_accept(struct peer* p, const struct io_uring_cqe* cqe) {
  if (cqe->user_data == PEER_TAG_ACCEPT_RETRY) { /* the back-off is over */
    peer_arm_accept(p);
    return -1;
  }
  int res = cqe->res;
  int more = (cqe->flags & IORING_CQE_F_MORE) != 0;
  if (res == -EINVAL && !more) die(p, "multishot accept (needs Linux 5.19)", EINVAL);
  if (res < 0) {
    /* EMFILE and the like: say so, and retry after a short pause instead of spinning. */
    fprintf(stderr, "%s: accept: %s\n", p->prog, strerror(-res));
    if (!more) {
      struct io_uring_sqe* sqe = peer_sqe(p);
      io_uring_prep_timeout(sqe, &p->retry_delay, 0, 0);
      io_uring_sqe_set_data64(sqe, PEER_TAG_ACCEPT_RETRY);
    }
    return -1;
  }
  if (!more) peer_arm_accept(p);
  if (p->port >= 0) {
    int one = 1;
    setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return res;
}

void peer_announce(const struct peer* p) {
  if (p->port >= 0)
    printf("listening tcp 127.0.0.1:%d (io_uring %s)\n", p->port, p->ring_mode);
  else
    printf("listening unix %s (io_uring %s)\n", p->unix_path, p->ring_mode);
  fflush(stdout);
}

void peer_close(struct peer* p) {
  /* The pending accept holds the socket open until the ring's asynchronous teardown; shutting
   * it down frees the port now, for the next server the benchmark starts. */
  shutdown(p->listen_fd, SHUT_RDWR);
  close(p->listen_fd);
  if (p->unix_path != NULL) unlink(p->unix_path);
  io_uring_queue_exit(&p->ring);
}
