// The compiled parts of Boost.URL and Boost.JSON, for builds without a Boost package of their own
// (the mingw cross build, see CoronetDeps.cmake): each library ships this header for the purpose.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
