#include "deflate.hpp"
