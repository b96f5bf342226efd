// The one error vocabulary of wasmgate: a closed code that picks the HTTP status and the metric label,
// plus a message for humans that names the entity and says what to do.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wasmgate {

enum class Errc {
  BadRequest,           // 400: malformed input, the message names the field and the reason
  Unauthorized,         // 401: missing or wrong credentials
  Forbidden,            // 403
  NotFound,             // 404
  Conflict,             // 409: entity already exists
  PayloadTooLarge,      // 413
  PluginLoad,           // a module cannot be fetched, compiled or linked
  PluginTrap,           // guest trapped
  PluginTimeout,        // guest ran past its deadline
  PluginMemory,         // guest ran out of its memory budget
  UpstreamUnavailable,  // 502: backend refused / unreachable
  UpstreamTimeout,      // 504
  Storage,              // the entity store failed
  Internal,             // 500: a bug or an impossible environment failure
};

std::string_view errc_name(Errc code);
int errc_http_status(Errc code);

struct Error {
  Errc code = Errc::Internal;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

// Result<T>: a value or an Error. Small on purpose; std::expected is C++23.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(v_); }
  Error&& take_error() { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { assert(!ok()); return *error_; }
  Error&& take_error() { assert(!ok()); return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

}  // namespace wasmgate
