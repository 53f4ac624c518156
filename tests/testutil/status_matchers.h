// gtest helpers for Status and Result<T>.
//   ASSERT_OK(status_or_result);  EXPECT_OK(...);
//   ASSERT_OK_AND_ASSIGN(auto v, MakeResult());
//   EXPECT_STATUS(expr, StatusCode::kCorruption);  // and the message on failure
#ifndef XCR_TESTS_TESTUTIL_STATUS_MATCHERS_H_
#define XCR_TESTS_TESTUTIL_STATUS_MATCHERS_H_

#include <gtest/gtest.h>

#include "base/result.h"
#include "base/status.h"

namespace xcr::testing {

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) {
  static const Status kOk;
  return r.ok() ? kOk : r.status();
}

}  // namespace xcr::testing

// Each takes a copy of the Status (never a reference into a temporary) and accepts a streamed
// message: ASSERT_OK(s) << "while doing x";
#define XCR_TEST_STATUS_(expr) ::xcr::Status(::xcr::testing::GetStatus(expr))
#define ASSERT_OK(expr)                                               \
  switch (0)                                                          \
  case 0:                                                             \
  default:                                                            \
    if (::xcr::Status xcr_s_ = XCR_TEST_STATUS_(expr); xcr_s_.ok()) { \
    } else                                                            \
      FAIL() << xcr_s_.ToString() << " "
#define EXPECT_OK(expr)                                               \
  switch (0)                                                          \
  case 0:                                                             \
  default:                                                            \
    if (::xcr::Status xcr_s_ = XCR_TEST_STATUS_(expr); xcr_s_.ok()) { \
    } else                                                            \
      ADD_FAILURE() << xcr_s_.ToString() << " "
#define EXPECT_STATUS(expr, expected_code)                                                  \
  switch (0)                                                                                \
  case 0:                                                                                   \
  default:                                                                                  \
    if (::xcr::Status xcr_s_ = XCR_TEST_STATUS_(expr); xcr_s_.code() == (expected_code)) {  \
    } else                                                                                  \
      ADD_FAILURE() << "expected code " << ::xcr::StatusCodeName(expected_code) << ", got " \
                    << xcr_s_.ToString() << " "
#define XCR_TEST_CONCAT_INNER_(a, b) a##b
#define XCR_TEST_CONCAT_(a, b) XCR_TEST_CONCAT_INNER_(a, b)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)  \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(XCR_TEST_CONCAT_(xcr_r_, __LINE__), lhs, expr)

#endif  // XCR_TESTS_TESTUTIL_STATUS_MATCHERS_H_
