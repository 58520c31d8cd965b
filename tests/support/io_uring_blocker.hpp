// Blocking io_uring the way containers block it: a seccomp filter that fails io_uring_setup with
// a given errno (EPERM: Docker's profile or kernel.io_uring_disabled; ENOSYS: older profiles and
// kernels; ENOMEM: a memlock limit). Used by backend_fallback_test (in forked children) and by the
// without-io-uring launcher (for whole test binaries). Linux only.
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cstddef>

namespace coronet::test {

// Makes io_uring_setup fail with `err` for this process and every process it starts from now on
// (a seccomp filter cannot be removed). NO_NEW_PRIVS first: it lets an unprivileged process
// install the filter. False if either call failed.
inline bool block_io_uring(int err) {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned(err) & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

}  // namespace coronet::test
