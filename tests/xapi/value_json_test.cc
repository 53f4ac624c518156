// xapi/value_json.h: every XML-RPC type round-trips through JSON; hostile JSON is an error.
#include "xapi/value_json.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

TEST(ValueJsonTest, EveryTypeRoundTrips) {
  Struct inner{{"k", Value("v")}, {"n", Value(int64_t{-5})}};
  Struct s{{"nil", Value()},
           {"str", Value("hello")},
           {"int", Value(int64_t{1} << 40)},
           {"dbl", Value(2.5)},
           {"yes", Value(true)},
           {"when", Value(DateTime{"20261123T11:40:00Z"})},
           {"list", Value(Array{Value("a"), Value(int64_t{1}), Value(Struct(inner))})},
           {"map", Value(inner)}};
  Value v(s);
  nlohmann::json j = ValueToJson(v);
  EXPECT_EQ(j["when"]["$dt"], "20261123T11:40:00Z");
  ASSERT_OK_AND_ASSIGN(Value back, ValueFromJson(nlohmann::json::parse(j.dump())));
  EXPECT_EQ(back, v);
  ASSERT_NE(back.Find("when"), nullptr);
  EXPECT_TRUE(back.Find("when")->is_datetime());
}

TEST(ValueJsonTest, PlainTextDateTimesForReaders) {
  Value v(Struct{{"when", Value(DateTime{"20261123T11:40:00Z"})},
                 {"list", Value(Array{Value(DateTime{"19700101T00:00:00Z"})})}});
  nlohmann::json j = ValueToJson(v, JsonDateTimes::kPlainText);
  EXPECT_EQ(j["when"], "20261123T11:40:00Z");
  EXPECT_EQ(j["list"][0], "19700101T00:00:00Z");
  // Plain text is not lossless: it reads back as a string.
  ASSERT_OK_AND_ASSIGN(Value back, ValueFromJson(j));
  ASSERT_NE(back.Find("when"), nullptr);
  EXPECT_FALSE(back.Find("when")->is_datetime());
}

TEST(ValueJsonTest, DeepNestingIsRefused) {
  std::string text(200, '[');
  text += std::string(200, ']');
  auto r = ValueFromJson(nlohmann::json::parse(text));
  EXPECT_STATUS(r.status(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValueFromJson(nlohmann::json::parse(text), 300).ok());
}

TEST(ValueJsonTest, IntegerBeyondInt64IsRefused) {
  auto r = ValueFromJson(nlohmann::json::parse("18446744073709551615"));
  EXPECT_STATUS(r.status(), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Value ok, ValueFromJson(nlohmann::json::parse("9223372036854775807")));
  EXPECT_EQ(ok.int_value(), INT64_MAX);
}

}  // namespace
}  // namespace xcr::xapi
