#include "xapi/result_shape.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tests/testutil/status_matchers.h"

#ifndef XCR_DATAMODEL_JSON
#error "XCR_DATAMODEL_JSON must name xenapi-datamodel.json (shared/reference)"
#endif

namespace xcr::xapi {
namespace {

bool IsWord(std::string_view s) { return !s.empty() && s.find(' ') == std::string_view::npos; }

// "<word><suffix>", e.g. "VM ref" for suffix " ref".
bool WordThen(std::string_view t, std::string_view suffix) {
  return t.ends_with(suffix) && IsWord(t.substr(0, t.size() - suffix.size()));
}

// The shape a datamodel result type ("VM ref", "(VM ref -> VM record) map", "void") has, or
// kUnchecked for types the table does not classify. (No std::regex: GCC 12 warns inside it
// under the sanitizers.)
ResultShape ShapeOfDatamodelType(std::string_view t) {
  if (t == "void") return ResultShape::kVoid;
  if (WordThen(t, " ref")) return ResultShape::kRef;
  if (WordThen(t, " ref set")) return ResultShape::kRefSet;
  if (WordThen(t, " record")) return ResultShape::kRecord;
  if (t.starts_with("(") && t.ends_with(" record) map")) {
    std::string_view inner = t.substr(1, t.size() - 1 - std::string_view(" record) map").size());
    size_t arrow = inner.find(" ref -> ");
    if (arrow != std::string_view::npos && IsWord(inner.substr(0, arrow)) &&
        IsWord(inner.substr(arrow + 8))) {
      return ResultShape::kRecordSet;
    }
  }
  return ResultShape::kUnchecked;
}

// Every method of XAPI's datamodel that the name table classifies has exactly that result type
// in the datamodel: the conventions hold for the whole API, not only the calls xcr makes.
TEST(ResultShapeTest, NameRulesAgreeWithTheWholeDatamodel) {
  std::ifstream in(XCR_DATAMODEL_JSON);
  ASSERT_TRUE(in) << "cannot read " << XCR_DATAMODEL_JSON;
  nlohmann::json model = nlohmann::json::parse(in, nullptr, false);
  ASSERT_TRUE(model.is_array());
  int classified = 0, methods = 0;
  for (const auto& cls : model) {
    for (const auto& msg : cls.at("messages")) {
      ++methods;
      std::string method =
          cls.at("name").get<std::string>() + "." + msg.at("name").get<std::string>();
      ResultShape shape = ResultShapeOf(method);
      if (shape == ResultShape::kUnchecked) continue;
      ++classified;
      std::string type = "void";
      if (msg.contains("result") && msg.at("result").is_array() && !msg.at("result").empty()) {
        type = msg.at("result")[0].get<std::string>();
      }
      EXPECT_EQ(shape, ShapeOfDatamodelType(type)) << method << " returns " << type;
      EXPECT_EQ(ResultShapeOf("Async." + method), ResultShape::kRef) << method;
    }
  }
  EXPECT_GT(methods, 1000);
  EXPECT_GT(classified, 700);  // get_all_records, get_record, setters ... of every class
}

TEST(ResultShapeTest, NamesOutsideTheConventionsAreNotChecked) {
  EXPECT_EQ(ResultShapeOf("VM.get_name_label"), ResultShape::kUnchecked);
  EXPECT_EQ(ResultShapeOf("sim.vdi_sha256"), ResultShape::kUnchecked);
  EXPECT_EQ(ResultShapeOf("event.from"), ResultShape::kUnchecked);
  EXPECT_EQ(ResultShapeOf("system.listMethods"), ResultShape::kUnchecked);
  EXPECT_EQ(ResultShapeOf("nodot"), ResultShape::kUnchecked);
  EXPECT_OK(CheckResultShape("VM.get_name_label", Value(42)));
}

TEST(ResultShapeTest, MessagesNameMethodExpectedAndReceived) {
  EXPECT_EQ(CheckResultShape("VM.get_all_records", Value(42)).message(),
            "VM.get_all_records: expected a struct of records, got an int (42)");
  EXPECT_EQ(
      CheckResultShape("VM.get_all_records", Value(Struct{{"OpaqueRef:a", Value("x")}})).message(),
      "VM.get_all_records OpaqueRef:a: expected a record (struct), got a string (\"x\")");
  EXPECT_EQ(CheckResultShape("VM.get_all", Value(Array{"OpaqueRef:a", Value(true)})).message(),
            "VM.get_all [1]: expected a string, got a boolean (true)");
  EXPECT_EQ(CheckResultShape("Async.VM.clone", Value()).message(),
            "Async.VM.clone: expected a ref (a non-empty string), got nil (void)");
  EXPECT_EQ(CheckResultShape("VM.start", Value(DateTime{"20240101T00:00:00Z"})).message(),
            "VM.start: expected nothing (void), got a dateTime (dateTime(20240101T00:00:00Z))");
  EXPECT_OK(CheckResultShape("VM.start", Value("")));
  EXPECT_OK(CheckResultShape("VM.start", Value()));
  EXPECT_OK(CheckResultShape("VM.get_by_uuid", Value("OpaqueRef:NULL")));
}

TEST(ResultShapeTest, DescribeShowsOnlyAnExcerptOfAHugeValue) {
  Struct huge;
  for (int i = 0; i < 100000; ++i) huge["OpaqueRef:" + std::to_string(i)] = Value(i);
  std::string d = Value(std::move(huge)).Describe();
  EXPECT_LE(d.size(), 100u) << d;
  EXPECT_EQ(d.rfind("a struct ({OpaqueRef:0: 0, ", 0), 0u) << d;
  EXPECT_EQ(Value(std::string(500, 'x')).Describe(),
            "a string (\"" + std::string(76, 'x') + "...)");
}

}  // namespace
}  // namespace xcr::xapi
