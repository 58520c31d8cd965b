/* bulk-pair: the C side of the bulk-transfer benchmark (bench/bulk.sh): one TCP loopback
 * connection, plain blocking send/recv, 1 MiB buffers, nothing else. bulk-coronet
 * (bench/bulk_coronet.cpp) takes the same arguments and prints the same line, so the script can
 * pair any sender with any receiver.
 *
 *   bulk-pair recv [--port P]            listen on 127.0.0.1:P (default 0: any free port), print
 *                                        "listening 127.0.0.1:PORT", take one connection and
 *                                        read it into a 1 MiB buffer until end of stream
 *   bulk-pair send --port P --duration T connect to 127.0.0.1:P, send 1 MiB buffers for T
 *                                        seconds, close
 *
 * Each side prints one line:
 *   role=recv|send bytes=N seconds=X mib_per_sec=R cpu_user_s=U cpu_sys_s=S
 * The receiver's seconds run from its first byte to end of stream, the sender's from connect to
 * its last send. Exit status: 0 done, 1 failure, 2 bad flags. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1u << 20)

static const char* prog = "bulk-pair";

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void usage(FILE* out) {
  fprintf(out,
          "usage: %s recv [--port P]\n"
          "       %s send --port P --duration T\n"
          "One TCP loopback connection, blocking send/recv of 1 MiB buffers (bench/bulk.sh).\n",
          prog, prog);
}

static void usage_error(const char* what, const char* arg) {
  fprintf(stderr, "%s: %s '%s'\n", prog, what, arg);
  usage(stderr);
  exit(2);
}

static void fail(const char* what) {
  fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
  exit(1);
}

static void report(const char* role, unsigned long long bytes, double seconds) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("role=%s bytes=%llu seconds=%.6f mib_per_sec=%.1f cpu_user_s=%.3f cpu_sys_s=%.3f\n", role,
         bytes, seconds, seconds > 0 ? (double)bytes / (1 << 20) / seconds : 0.0,
         (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
         (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
}

static int receive(int port) {
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) fail("socket");
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr*)&sin, sizeof sin) != 0) fail("bind");
  if (listen(lfd, 1) != 0) fail("listen");
  socklen_t len = sizeof sin;
  if (getsockname(lfd, (struct sockaddr*)&sin, &len) != 0) fail("getsockname");
  printf("listening 127.0.0.1:%u\n", (unsigned)ntohs(sin.sin_port));
  fflush(stdout);

  int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0) fail("accept");
  close(lfd);
  char* buf = malloc(CHUNK);
  if (buf == NULL) fail("malloc");
  /* Fault the pages in before the clock starts (not 0: malloc + memset 0 may become calloc). */
  memset(buf, 1, CHUNK);

  unsigned long long bytes = 0;
  double start = 0, end = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, CHUNK, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("recv");
    if (n == 0) break;
    if (bytes == 0) start = now();
    bytes += (unsigned long long)n;
  }
  end = now();
  close(fd);
  free(buf);
  report("recv", bytes, bytes ? end - start : 0);
  return bytes ? 0 : 1;
}

static int send_for(int port, double duration) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail("socket");
  struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr*)&sin, sizeof sin) != 0) fail("connect");
  char* buf = malloc(CHUNK);
  if (buf == NULL) fail("malloc");
  for (unsigned i = 0; i < CHUNK; ++i) buf[i] = (char)('a' + i % 26);

  unsigned long long bytes = 0;
  double start = now(), deadline = start + duration, end = start;
  while (end < deadline) {
    for (size_t off = 0; off < CHUNK;) {
      ssize_t n = send(fd, buf + off, CHUNK - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) fail("send");
      off += (size_t)n;
    }
    bytes += CHUNK;
    end = now();
  }
  close(fd);
  free(buf);
  report("send", bytes, end - start);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(stdout);
    return 0;
  }
  int is_send = strcmp(argv[1], "send") == 0;
  if (!is_send && strcmp(argv[1], "recv") != 0) usage_error("unknown role", argv[1]);
  long port = is_send ? -1 : 0;
  double duration = -1;
  for (int i = 2; i < argc; ++i) {
    if (i + 1 >= argc) usage_error("missing value for", argv[i]);
    char* end = NULL;
    if (strcmp(argv[i], "--port") == 0) {
      port = strtol(argv[++i], &end, 10);
      if (*argv[i] == '\0' || *end != '\0' || port < 0 || port > 65535)
        usage_error("invalid port", argv[i]);
    } else if (strcmp(argv[i], "--duration") == 0 && is_send) {
      duration = strtod(argv[++i], &end);
      if (*argv[i] == '\0' || *end != '\0' || !(duration > 0))
        usage_error("invalid duration", argv[i]);
    } else {
      usage_error("unknown argument", argv[i]);
    }
  }
  if (is_send && (port <= 0 || duration <= 0)) {
    fprintf(stderr, "%s: send needs --port P and --duration T\n", prog);
    usage(stderr);
    return 2;
  }
  return is_send ? send_for((int)port, duration) : receive((int)port);
}
