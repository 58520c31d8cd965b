// The process module's names for io's UTF-8 <-> UTF-16 conversions (coronet/detail/wide.hpp).
#pragma once

#include "coronet/detail/wide.hpp"

namespace coronet::process::detail {

using coronet::detail::narrow;
using coronet::detail::widen;

}  // namespace coronet::process::detail
