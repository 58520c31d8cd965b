#include "crt_fds.hpp"

#include <cstring>

namespace coronet::process::detail {
namespace {

// The runtime's own names for its per-descriptor flags (its internal ioinfo.osfile bits).
constexpr unsigned char fopen_flag = 0x01;
constexpr unsigned char fpipe_flag = 0x08;
constexpr unsigned char fdev_flag = 0x40;

unsigned char flags_of(HANDLE h) {
  if (!h) return 0;
  switch (::GetFileType(h)) {
    case FILE_TYPE_PIPE:
      return fopen_flag | fpipe_flag;
    case FILE_TYPE_CHAR:
      return fopen_flag | fdev_flag;
    default:
      return fopen_flag;
  }
}

}  // namespace

std::vector<unsigned char> crt_fd_block(const std::vector<HANDLE>& handles) {
  const int count = int(handles.size());
  std::vector<unsigned char> block(sizeof(int) + handles.size() * (1 + sizeof(HANDLE)));
  unsigned char* p = block.data();
  std::memcpy(p, &count, sizeof count);
  p += sizeof count;
  for (HANDLE h : handles) *p++ = flags_of(h);
  for (HANDLE h : handles) {
    const HANDLE value = h ? h : INVALID_HANDLE_VALUE;
    std::memcpy(p, &value, sizeof value);  // unaligned: the block is packed
    p += sizeof value;
  }
  return block;
}

}  // namespace coronet::process::detail
