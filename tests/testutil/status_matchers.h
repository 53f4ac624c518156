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

#define ASSERT_OK(expr)                                  \
  do {                                                   \
    const auto& xcr_s_ = (expr);                         \
    ASSERT_TRUE(::xcr::testing::GetStatus(xcr_s_).ok())  \
        << ::xcr::testing::GetStatus(xcr_s_).ToString(); \
  } while (0)
#define EXPECT_OK(expr)                                  \
  do {                                                   \
    const auto& xcr_s_ = (expr);                         \
    EXPECT_TRUE(::xcr::testing::GetStatus(xcr_s_).ok())  \
        << ::xcr::testing::GetStatus(xcr_s_).ToString(); \
  } while (0)
#define EXPECT_STATUS(expr, expected_code)                             \
  do {                                                                 \
    const auto& xcr_s_ = (expr);                                       \
    EXPECT_EQ(::xcr::testing::GetStatus(xcr_s_).code(), expected_code) \
        << ::xcr::testing::GetStatus(xcr_s_).ToString();               \
  } while (0)
#define XCR_TEST_CONCAT_INNER_(a, b) a##b
#define XCR_TEST_CONCAT_(a, b) XCR_TEST_CONCAT_INNER_(a, b)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)  \
  auto tmp = (expr);                                \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(XCR_TEST_CONCAT_(xcr_r_, __LINE__), lhs, expr)

#endif  // XCR_TESTS_TESTUTIL_STATUS_MATCHERS_H_
