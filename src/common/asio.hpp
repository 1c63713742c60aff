#pragma once
// The one header of ours that includes Asio; everything that needs it includes this.
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

namespace uwh {
namespace asio = boost::asio;
}  // namespace uwh
