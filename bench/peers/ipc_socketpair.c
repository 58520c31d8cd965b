/* The floor of the IPC benchmark (bench/ipc.sh): a bare blocking socketpair between a parent
 * and a fork()ed child, no event loop, no JSON.
 *
 *   ipc-socketpair MODE MESSAGES WARMUP WINDOW [CHILD_CPU]
 *
 * The parent writes lines like the channel's ({"seq":N,"data":"hello"}\n); the child writes back
 * whatever it reads, in one write per read. roundtrip: write one line, read until its '\n'.
 * pipelined: WINDOW lines in flight, one more written for each line that comes back. Prints the
 * same result line as ipc-bench for the last MESSAGES lines. CHILD_CPU (>= 0) pins the child
 * to that CPU, as bench/ipc.sh pins the other pairs' children. (fork() is fine: one thread.) */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void write_line(int fd, long seq) {
  char line[64];
  int n = snprintf(line, sizeof line, "{\"seq\":%ld,\"data\":\"hello\"}\n", seq);
  for (int off = 0; off < n;) {
    ssize_t w = write(fd, line + off, (size_t)(n - off));
    if (w <= 0) {
      perror("write");
      exit(1);
    }
    off += (int)w;
  }
}

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    fprintf(stderr,
            "usage: ipc-socketpair roundtrip|pipelined MESSAGES WARMUP WINDOW [CHILD_CPU]\n");
    return 2;
  }
  const int pipelined = strcmp(argv[1], "pipelined") == 0;
  const long messages = atol(argv[2]), warmup = atol(argv[3]);
  const long total = messages + warmup, window = pipelined ? atol(argv[4]) : 1;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
    perror("socketpair");
    return 1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    if (argc == 6 && atoi(argv[5]) >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(atoi(argv[5]), &set);
      if (sched_setaffinity(0, sizeof set, &set) != 0) perror("sched_setaffinity");
    }
    close(sv[0]);
    char buf[65536];
    ssize_t n;
    while ((n = read(sv[1], buf, sizeof buf)) > 0)
      for (ssize_t off = 0; off < n;) {
        ssize_t w = write(sv[1], buf + off, (size_t)(n - off));
        if (w <= 0) _exit(1);
        off += w;
      }
    _exit(0);
  }
  close(sv[1]);
  long sent = 0, got = 0;
  for (; sent < window && sent < total; ++sent) write_line(sv[0], sent);
  double start = now();
  char buf[65536];
  while (got < total) {
    ssize_t n = read(sv[0], buf, sizeof buf);
    if (n <= 0) {
      fprintf(stderr, "ipc-socketpair: child closed\n");
      return 1;
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') continue;
      if (++got == warmup) start = now();
      if (sent < total) write_line(sv[0], sent++);
    }
  }
  double seconds = now() - start;
  printf("mode=%s messages=%ld seconds=%.3f msgs_per_sec=%.0f\n", argv[1], messages, seconds,
         (double)messages / seconds);
  close(sv[0]);
  waitpid(pid, NULL, 0);
  return 0;
}
