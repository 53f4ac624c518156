// Result<T>: either a value of type T or a non-OK Status.
//
//   Result<Footer> r = ParseFooter(bytes);
//   if (!r.ok()) return r.status();
//   use(*r);
//
// XCR_ASSIGN_OR_RETURN(auto footer, ParseFooter(bytes)); does the same in one line.
#ifndef XCR_BASE_RESULT_H_
#define XCR_BASE_RESULT_H_

#include <cassert>
#include <optional>
#include <utility>

#include "base/status.h"

namespace xcr {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result constructed from an OK Status without a value");
    if (status_.ok()) status_ = Status::Internal("Result built from OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace xcr

#define XCR_CONCAT_INNER_(a, b) a##b
#define XCR_CONCAT_(a, b) XCR_CONCAT_INNER_(a, b)
#define XCR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()
// Evaluates a Result expression; on error returns its Status, else assigns the value to lhs.
#define XCR_ASSIGN_OR_RETURN(lhs, expr) \
  XCR_ASSIGN_OR_RETURN_IMPL_(XCR_CONCAT_(xcr_result_, __LINE__), lhs, expr)

#endif  // XCR_BASE_RESULT_H_
