// Boost.JSON's value, declared but not defined: the channel's and the cluster's declarations
// name it, and only code that builds or reads messages needs its definition
// (coronet/process/json.hpp). Defining it here would put ~200 Boost headers (about 100,000
// preprocessed lines) into every program that includes <coronet/coronet.hpp>, processes or not.
// <boost/json/fwd.hpp> declares the same but brings Boost's configuration headers along (30,000
// lines); a mismatch with Boost's own declaration fails to compile wherever both are seen (the
// channel's sources include both).
#pragma once

namespace boost::json {
class value;
}  // namespace boost::json
