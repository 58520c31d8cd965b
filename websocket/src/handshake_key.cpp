#include "handshake_key.hpp"
