// XML-RPC codec: hand-written XML in the forms XAPI and its clients write, envelopes, round trips.
#include "xapi/xmlrpc.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

std::string Response(std::string_view value_xml) {
  return "<?xml version=\"1.0\"?>\n<methodResponse><params><param>" + std::string(value_xml) +
         "</param></params></methodResponse>\n";
}

Value MustDecodeValue(std::string_view value_xml) {
  Result<Value> r = DecodeResponse(Response(value_xml));
  EXPECT_TRUE(r.ok()) << r.status().ToString() << " for " << value_xml;
  return r.ok() ? *r : Value();
}

// ---- Scalars in every form XAPI sends or accepts ----

TEST(XmlRpcDecodeTest, UntypedValueIsString) {
  EXPECT_EQ(MustDecodeValue("<value>OpaqueRef:1234</value>"), Value("OpaqueRef:1234"));
  EXPECT_EQ(MustDecodeValue("<value>  spaced  </value>"), Value("  spaced  "));
  // Empty untyped values (XAPI's void and its empty strings) decode as "".
  EXPECT_EQ(MustDecodeValue("<value></value>"), Value(""));
  EXPECT_EQ(MustDecodeValue("<value/>"), Value(""));
}

TEST(XmlRpcDecodeTest, StringTag) {
  EXPECT_EQ(MustDecodeValue("<value><string>abc</string></value>"), Value("abc"));
  EXPECT_EQ(MustDecodeValue("<value><string/></value>"), Value(""));
  EXPECT_EQ(MustDecodeValue("<value>\n  <string> x </string>\n</value>"), Value(" x "));
}

TEST(XmlRpcDecodeTest, Integers) {
  EXPECT_EQ(MustDecodeValue("<value><i4>42</i4></value>"), Value(42));
  EXPECT_EQ(MustDecodeValue("<value><int>-7</int></value>"), Value(-7));
  EXPECT_EQ(MustDecodeValue("<value><i8>8589934592</i8></value>"), Value(int64_t{8589934592}));
  EXPECT_EQ(MustDecodeValue("<value><i4> +5 </i4></value>"), Value(5));
  // XAPI's 64-bit ints are untyped strings; Value::AsInt() takes them.
  Value v = MustDecodeValue("<value>17179869184</value>");
  ASSERT_TRUE(v.is_string());
  ASSERT_OK_AND_ASSIGN(int64_t i, v.AsInt());
  EXPECT_EQ(i, 17179869184);
}

TEST(XmlRpcDecodeTest, BadIntegersAreCorruption) {
  EXPECT_STATUS(DecodeResponse(Response("<value><i4>12a</i4></value>")), StatusCode::kCorruption);
  EXPECT_STATUS(DecodeResponse(Response("<value><int></int></value>")), StatusCode::kCorruption);
  EXPECT_STATUS(DecodeResponse(Response("<value><i8>99999999999999999999</i8></value>")),
                StatusCode::kCorruption);
}

TEST(XmlRpcDecodeTest, Doubles) {
  EXPECT_EQ(MustDecodeValue("<value><double>0.5</double></value>"), Value(0.5));
  EXPECT_EQ(MustDecodeValue("<value><double>-1e3</double></value>"), Value(-1000.0));
  EXPECT_EQ(MustDecodeValue("<value><double>60.1</double></value>"), Value(60.1));
  EXPECT_STATUS(DecodeResponse(Response("<value><double>x</double></value>")),
                StatusCode::kCorruption);
}

TEST(XmlRpcDecodeTest, Booleans) {
  EXPECT_EQ(MustDecodeValue("<value><boolean>1</boolean></value>"), Value(true));
  EXPECT_EQ(MustDecodeValue("<value><boolean>0</boolean></value>"), Value(false));
  EXPECT_EQ(MustDecodeValue("<value><boolean>true</boolean></value>"), Value(true));
  EXPECT_EQ(MustDecodeValue("<value><boolean>False</boolean></value>"), Value(false));
  EXPECT_STATUS(DecodeResponse(Response("<value><boolean>2</boolean></value>")),
                StatusCode::kCorruption);
}

TEST(XmlRpcDecodeTest, DateTimeKeepsTextTrimmed) {
  EXPECT_EQ(MustDecodeValue("<value><dateTime.iso8601>20240101T00:00:00Z</dateTime.iso8601>"
                            "</value>"),
            Value(DateTime{"20240101T00:00:00Z"}));
  EXPECT_EQ(MustDecodeValue("<value><dateTime.iso8601> 2024-01-01T10:00:00.5+02:00 "
                            "</dateTime.iso8601></value>"),
            Value(DateTime{"2024-01-01T10:00:00.5+02:00"}));
}

TEST(XmlRpcDecodeTest, Base64DecodesToString) {
  EXPECT_EQ(MustDecodeValue("<value><base64>aGVsbG8gd29ybGQ=</base64></value>"),
            Value("hello world"));
  EXPECT_EQ(MustDecodeValue("<value><base64>\n  aGVs\n  bG8=\n</base64></value>"), Value("hello"));
  EXPECT_EQ(MustDecodeValue("<value><base64></base64></value>"), Value(""));
  EXPECT_STATUS(DecodeResponse(Response("<value><base64>a*b=</base64></value>")),
                StatusCode::kCorruption);
}

TEST(XmlRpcDecodeTest, Nil) {
  EXPECT_TRUE(MustDecodeValue("<value><nil/></value>").is_nil());
  EXPECT_TRUE(MustDecodeValue("<value><nil></nil></value>").is_nil());
}

TEST(XmlRpcDecodeTest, UnknownTypeIsCorruption) {
  Result<Value> r = DecodeResponse(Response("<value><float>1</float></value>"));
  EXPECT_STATUS(r, StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("unknown XML-RPC type <float>"), std::string::npos)
      << r.status().ToString();
}

TEST(XmlRpcDecodeTest, EntitiesCdataAndCharacterReferences) {
  EXPECT_EQ(MustDecodeValue("<value>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</value>"),
            Value("a & b <c> \"d\" 'e'"));
  EXPECT_EQ(MustDecodeValue("<value>x<![CDATA[<raw> & ]]>y</value>"), Value("x<raw> & y"));
  EXPECT_EQ(MustDecodeValue("<value>&#233;&#x20AC;</value>"), Value("\xC3\xA9\xE2\x82\xAC"));
  EXPECT_EQ(MustDecodeValue("<value><!-- note -->ab<!-- more -->cd</value>"), Value("abcd"));
}

TEST(XmlRpcDecodeTest, WhitespaceBetweenElements) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<methodResponse>
  <params>
    <param>
      <value>
        <struct>
          <member>
            <name>a</name>
            <value><array>
              <data>
                <value><i4>1</i4></value>
                <value>two</value>
              </data>
            </array></value>
          </member>
        </struct>
      </value>
    </param>
  </params>
</methodResponse>
)";
  ASSERT_OK_AND_ASSIGN(Value v, DecodeResponse(xml));
  EXPECT_EQ(v, Value(Struct{{"a", Array{Value(1), Value("two")}}}));
}

TEST(XmlRpcDecodeTest, EmptyArrayAndStructForms) {
  EXPECT_EQ(MustDecodeValue("<value><array><data></data></array></value>"), Value(Array{}));
  EXPECT_EQ(MustDecodeValue("<value><array><data/></array></value>"), Value(Array{}));
  EXPECT_EQ(MustDecodeValue("<value><array/></value>"), Value(Array{}));
  EXPECT_EQ(MustDecodeValue("<value><struct></struct></value>"), Value(Struct{}));
  EXPECT_EQ(MustDecodeValue("<value><struct/></value>"), Value(Struct{}));
}

TEST(XmlRpcDecodeTest, MemberNameMayFollowValue) {
  EXPECT_EQ(MustDecodeValue("<value><struct><member><value>v</value><name>k</name></member>"
                            "</struct></value>"),
            Value(Struct{{"k", "v"}}));
}

TEST(XmlRpcDecodeTest, MalformedMembersAreRefused) {
  EXPECT_STATUS(
      DecodeResponse(Response("<value><struct><member><name>k</name></member></struct></value>")),
      StatusCode::kCorruption);
  EXPECT_STATUS(
      DecodeResponse(Response("<value><struct><member><value>v</value></member></struct></value>")),
      StatusCode::kCorruption);
  EXPECT_STATUS(DecodeResponse(Response("<value><struct><x/></struct></value>")),
                StatusCode::kCorruption);
  EXPECT_STATUS(DecodeResponse(Response("<value><array><value>1</value></array></value>")),
                StatusCode::kCorruption);
  EXPECT_STATUS(DecodeResponse(Response("<value>text<string>x</string></value>")),
                StatusCode::kCorruption);
  EXPECT_STATUS(DecodeResponse(Response("<value><string>x</string><i4>1</i4></value>")),
                StatusCode::kCorruption);
}

// ---- Real-looking XAPI responses ----

TEST(XmlRpcXapiTest, LoginResponse) {
  const char* xml =
      "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>"
      "Status</name><value>Success</value></member><member><name>Value</name><value>"
      "OpaqueRef:c0d7b7a4-5b4a-4e3c-9a0f-2f1a3e0c9b11</value></member></struct></value>"
      "</param></params></methodResponse>";
  ASSERT_OK_AND_ASSIGN(Value response, DecodeResponse(xml));
  ASSERT_OK_AND_ASSIGN(Value session, UnwrapXapiResult(response));
  EXPECT_EQ(session, Value("OpaqueRef:c0d7b7a4-5b4a-4e3c-9a0f-2f1a3e0c9b11"));
}

TEST(XmlRpcXapiTest, VmRecord) {
  const char* xml = R"(<?xml version="1.0"?>
<methodResponse><params><param><value><struct>
<member><name>Status</name><value>Success</value></member>
<member><name>Value</name><value><struct>
 <member><name>OpaqueRef:7a1e</name><value><struct>
  <member><name>uuid</name><value>0b6a5f3e-7f0c-4b8e-9d61-5a4f1c2e3d4b</value></member>
  <member><name>name_label</name><value>web-01 &amp; db</value></member>
  <member><name>name_description</name><value></value></member>
  <member><name>power_state</name><value>Running</value></member>
  <member><name>is_a_template</name><value><boolean>0</boolean></value></member>
  <member><name>is_a_snapshot</name><value><boolean>0</boolean></value></member>
  <member><name>snapshot_of</name><value>OpaqueRef:NULL</value></member>
  <member><name>snapshots</name><value><array><data/></array></value></member>
  <member><name>snapshot_time</name><value><dateTime.iso8601>19700101T00:00:00Z</dateTime.iso8601></value></member>
  <member><name>memory_static_max</name><value>4294967296</value></member>
  <member><name>VCPUs_max</name><value>2</value></member>
  <member><name>VBDs</name><value><array><data><value>OpaqueRef:b1</value><value>OpaqueRef:b2</value></data></array></value></member>
  <member><name>other_config</name><value><struct><member><name>xo:backup</name><value>yes</value></member></struct></value></member>
  <member><name>blocked_operations</name><value><struct/></value></member>
  <member><name>start_delay</name><value>0</value></member>
  <member><name>HVM_shadow_multiplier</name><value><double>1</double></value></member>
 </struct></value></member>
</struct></value></member>
</struct></value></param></params></methodResponse>)";
  ASSERT_OK_AND_ASSIGN(Value response, DecodeResponse(xml));
  ASSERT_OK_AND_ASSIGN(Value records, UnwrapXapiResult(response));
  const Value* vm = records.Find("OpaqueRef:7a1e");
  ASSERT_NE(vm, nullptr);
  EXPECT_EQ(*vm->Find("name_label"), Value("web-01 & db"));
  EXPECT_EQ(*vm->Find("name_description"), Value(""));
  EXPECT_EQ(*vm->Find("is_a_template"), Value(false));
  EXPECT_EQ(*vm->Find("snapshot_of"), Value(std::string(kNullRef)));
  EXPECT_EQ(*vm->Find("snapshots"), Value(Array{}));
  EXPECT_EQ(*vm->Find("snapshot_time"), Value(DateTime{"19700101T00:00:00Z"}));
  ASSERT_OK_AND_ASSIGN(int64_t mem, vm->Find("memory_static_max")->AsInt());
  EXPECT_EQ(mem, 4294967296);
  EXPECT_EQ(*vm->Find("VBDs"), Value(Array{"OpaqueRef:b1", "OpaqueRef:b2"}));
  EXPECT_EQ(*vm->Find("other_config"), Value(Struct{{"xo:backup", "yes"}}));
  EXPECT_EQ(*vm->Find("blocked_operations"), Value(Struct{}));
  EXPECT_EQ(*vm->Find("HVM_shadow_multiplier"), Value(1.0));
  EXPECT_EQ(vm->structure().size(), 16u);
}

TEST(XmlRpcXapiTest, EventFromWithI4RefCounts) {
  const char* xml =
      "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
      "<member><name>Status</name><value>Success</value></member>"
      "<member><name>Value</name><value><struct>"
      "<member><name>events</name><value><array><data><value><struct>"
      "<member><name>id</name><value>12</value></member>"
      "<member><name>timestamp</name><value>1700000000.123</value></member>"
      "<member><name>class</name><value>vm</value></member>"
      "<member><name>operation</name><value>del</value></member>"
      "<member><name>ref</name><value>OpaqueRef:aa</value></member>"
      "</struct></value></data></array></value></member>"
      "<member><name>valid_ref_counts</name><value><struct>"
      "<member><name>VM</name><value><i4>3</i4></value></member>"
      "<member><name>task</name><value><i4>0</i4></value></member>"
      "</struct></value></member>"
      "<member><name>token</name><value>00000000000000000012,00000000000000000000</value>"
      "</member></struct></value></member></struct></value></param></params></methodResponse>";
  ASSERT_OK_AND_ASSIGN(Value response, DecodeResponse(xml));
  ASSERT_OK_AND_ASSIGN(Value result, UnwrapXapiResult(response));
  EXPECT_EQ(*result.Find("valid_ref_counts"), Value(Struct{{"VM", 3}, {"task", 0}}));
  EXPECT_EQ(result.Find("events")->array().size(), 1u);
  EXPECT_EQ(*result.Find("token"), Value("00000000000000000012,00000000000000000000"));
}

TEST(XmlRpcXapiTest, FailureSessionInvalid) {
  const char* xml =
      "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
      "<member><name>Status</name><value>Failure</value></member>"
      "<member><name>ErrorDescription</name><value><array><data><value>SESSION_INVALID</value>"
      "<value>OpaqueRef:dead</value></data></array></value></member></struct></value>"
      "</param></params></methodResponse>";
  ASSERT_OK_AND_ASSIGN(Value response, DecodeResponse(xml));
  Result<Value> r = UnwrapXapiResult(response);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kRemoteError);
  EXPECT_EQ(r.status().error_name(), "SESSION_INVALID");
  EXPECT_EQ(r.status().params(), std::vector<std::string>{"OpaqueRef:dead"});
}

TEST(XmlRpcXapiTest, FailureHostIsSlaveAndParameterCountMismatch) {
  ASSERT_OK_AND_ASSIGN(Value slave, DecodeResponse(EncodeFailure({"HOST_IS_SLAVE", "10.0.0.1"})));
  Result<Value> r = UnwrapXapiResult(slave);
  EXPECT_EQ(r.status().error_name(), "HOST_IS_SLAVE");
  EXPECT_EQ(r.status().params(), std::vector<std::string>{"10.0.0.1"});

  ASSERT_OK_AND_ASSIGN(
      Value mismatch,
      DecodeResponse(EncodeFailure({"MESSAGE_PARAMETER_COUNT_MISMATCH", "VM.snapshot", "3", "4"})));
  r = UnwrapXapiResult(mismatch);
  EXPECT_EQ(r.status().code(), StatusCode::kRemoteError);
  EXPECT_EQ(r.status().error_name(), "MESSAGE_PARAMETER_COUNT_MISMATCH");
  EXPECT_EQ(r.status().params(), (std::vector<std::string>{"VM.snapshot", "3", "4"}));
  EXPECT_NE(r.status().message().find("MESSAGE_PARAMETER_COUNT_MISMATCH"), std::string::npos);
}

TEST(XmlRpcXapiTest, UnwrapRefusesWhatIsNotAnEnvelope) {
  EXPECT_STATUS(UnwrapXapiResult(Value("x")), StatusCode::kCorruption);
  EXPECT_STATUS(UnwrapXapiResult(Value(Struct{{"Value", "x"}})), StatusCode::kCorruption);
  EXPECT_STATUS(UnwrapXapiResult(Value(Struct{{"Status", "Maybe"}})), StatusCode::kCorruption);
  EXPECT_STATUS(UnwrapXapiResult(Value(Struct{{"Status", "Success"}})), StatusCode::kCorruption);
  EXPECT_STATUS(UnwrapXapiResult(Value(Struct{{"Status", "Failure"}})), StatusCode::kCorruption);
  EXPECT_STATUS(
      UnwrapXapiResult(Value(Struct{{"Status", "Failure"}, {"ErrorDescription", Array{}}})),
      StatusCode::kCorruption);
  // A void Success (empty <value></value>) unwraps to "".
  ASSERT_OK_AND_ASSIGN(Value v, DecodeResponse(EncodeSuccess(Value())));
  ASSERT_OK_AND_ASSIGN(Value inner, UnwrapXapiResult(v));
  EXPECT_EQ(inner, Value(""));
}

TEST(XmlRpcXapiTest, XmlRpcFaultBecomesRemoteStatus) {
  const char* xml =
      "<?xml version=\"1.0\"?><methodResponse><fault><value><struct>"
      "<member><name>faultCode</name><value><int>-32601</int></value></member>"
      "<member><name>faultString</name><value><string>no such method</string></value></member>"
      "</struct></value></fault></methodResponse>";
  Result<Value> r = DecodeResponse(xml);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kRemoteError);
  EXPECT_EQ(r.status().error_name(), "XMLRPC_FAULT");
  EXPECT_EQ(r.status().params(), (std::vector<std::string>{"-32601", "no such method"}));

  r = DecodeResponse(EncodeFault(4, "bad <thing>"));
  EXPECT_EQ(r.status().error_name(), "XMLRPC_FAULT");
  EXPECT_EQ(r.status().params(), (std::vector<std::string>{"4", "bad <thing>"}));
}

TEST(XmlRpcXapiTest, SystemListMethodsBareArray) {
  std::string xml = EncodeResponse(Value(Array{"VM.get_all_records", "host.get_all_records"}));
  ASSERT_OK_AND_ASSIGN(Value v, DecodeResponse(xml));
  EXPECT_EQ(v, Value(Array{"VM.get_all_records", "host.get_all_records"}));
}

// ---- Exact encoding ----

TEST(XmlRpcEncodeTest, ExactXapiForms) {
  EXPECT_EQ(EncodeValue(Value("OpaqueRef:1")), "<value>OpaqueRef:1</value>");
  EXPECT_EQ(EncodeValue(Value(int64_t{17179869184})), "<value>17179869184</value>");
  EXPECT_EQ(EncodeValue(Value(-3)), "<value>-3</value>");
  EXPECT_EQ(EncodeValue(Value(3), EncodeOptions{.ints_as_i4 = true}), "<value><i4>3</i4></value>");
  EXPECT_EQ(EncodeValue(Value(int64_t{1} << 40), EncodeOptions{.ints_as_i4 = true}),
            "<value>1099511627776</value>");
  EXPECT_EQ(EncodeValue(Value(0.1)), "<value><double>0.1</double></value>");
  EXPECT_EQ(EncodeValue(Value(60.1)), "<value><double>60.1</double></value>");
  EXPECT_EQ(EncodeValue(Value(1.0)), "<value><double>1</double></value>");
  EXPECT_EQ(EncodeValue(Value(true)), "<value><boolean>1</boolean></value>");
  EXPECT_EQ(EncodeValue(Value(false)), "<value><boolean>0</boolean></value>");
  EXPECT_EQ(EncodeValue(Value(DateTime{"20240101T00:00:00Z"})),
            "<value><dateTime.iso8601>20240101T00:00:00Z</dateTime.iso8601></value>");
  EXPECT_EQ(EncodeValue(Value()), "<value></value>");
  EXPECT_EQ(EncodeValue(Value(Array{"a", 1})),
            "<value><array><data><value>a</value><value>1</value></data></array></value>");
  EXPECT_EQ(EncodeValue(Value(Struct{{"k", "v"}})),
            "<value><struct><member><name>k</name><value>v</value></member></struct></value>");
}

TEST(XmlRpcEncodeTest, Envelopes) {
  EXPECT_EQ(EncodeSuccess(Value("OpaqueRef:s")),
            "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>"
            "Status</name><value>Success</value></member><member><name>Value</name><value>"
            "OpaqueRef:s</value></member></struct></value></param></params></methodResponse>");
  EXPECT_EQ(EncodeFailure({"SESSION_INVALID", "OpaqueRef:x"}),
            "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>"
            "Status</name><value>Failure</value></member><member><name>ErrorDescription</name>"
            "<value><array><data><value>SESSION_INVALID</value><value>OpaqueRef:x</value></data>"
            "</array></value></member></struct></value></param></params></methodResponse>");
  EXPECT_EQ(EncodeMethodCall("session.login_with_password", {"root", "p&ss"}),
            "<?xml version=\"1.0\"?><methodCall><methodName>session.login_with_password"
            "</methodName><params><param><value>root</value></param><param><value>p&amp;ss"
            "</value></param></params></methodCall>");
}

TEST(XmlRpcEncodeTest, Escaping) {
  EXPECT_EQ(EncodeValue(Value("a<b>&c\"d'e")), "<value>a&lt;b&gt;&amp;c\"d'e</value>");
  EXPECT_EQ(EncodeValue(Value("]]>")), "<value>]]&gt;</value>");
  EXPECT_EQ(EncodeValue(Value("a\r\nb\tc")), "<value>a&#13;\nb\tc</value>");
  // Valid UTF-8 passes through; what XML cannot carry becomes U+FFFD.
  EXPECT_EQ(EncodeValue(Value("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80")),
            "<value>caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80</value>");
  EXPECT_EQ(EncodeValue(Value(std::string("a\x01z\0y", 5))),
            "<value>a\xEF\xBF\xBDz\xEF\xBF\xBDy</value>");
  EXPECT_EQ(EncodeValue(Value("\xFF\xC3")), "<value>\xEF\xBF\xBD\xEF\xBF\xBD</value>");
  EXPECT_EQ(EncodeValue(Value("\xED\xA0\x80")),  // a UTF-16 surrogate
            "<value>\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD</value>");
  EXPECT_EQ(EncodeValue(Value(Struct{{"a<b", 1}})),
            "<value><struct><member><name>a&lt;b</name><value>1</value></member></struct>"
            "</value>");
}

// ---- Round trips ----

void ExpectRoundTrip(const Value& v) {
  ASSERT_OK_AND_ASSIGN(Value back, DecodeResponse(EncodeResponse(v)));
  EXPECT_EQ(back, v) << v.DebugString() << " came back as " << back.DebugString();
  ASSERT_OK_AND_ASSIGN(Value frag, DecodeValue(EncodeValue(v)));
  EXPECT_EQ(frag, v);
}

TEST(XmlRpcRoundTripTest, EveryType) {
  ExpectRoundTrip(Value("plain"));
  ExpectRoundTrip(Value(""));
  ExpectRoundTrip(Value("<tag attr=\"x\"> & 'q' \r\n\t caf\xC3\xA9 \xE2\x82\xAC ]]>"));
  ExpectRoundTrip(Value(true));
  ExpectRoundTrip(Value(false));
  ExpectRoundTrip(Value(0.1));
  ExpectRoundTrip(Value(-2.5e-300));
  ExpectRoundTrip(Value(1e300));
  ExpectRoundTrip(Value(DateTime{"20240229T23:59:59Z"}));
  ExpectRoundTrip(Value(Array{}));
  ExpectRoundTrip(Value(Struct{}));
  ExpectRoundTrip(Value(Struct{
      {"a", Array{"x", true, 1.5, Struct{{"deep", Array{Value(Array{})}}}}},
      {"b & c", Struct{{"", "empty name"}}},
      {"when", DateTime{"19700101T00:00:00Z"}},
  }));
  // Ints travel as decimal strings (XAPI's form); with <i4> they come back as ints.
  ASSERT_OK_AND_ASSIGN(Value i, DecodeValue(EncodeValue(Value(int64_t{-9007199254740993}))));
  EXPECT_EQ(i, Value("-9007199254740993"));
  ASSERT_OK_AND_ASSIGN(Value i4, DecodeValue(EncodeValue(Value(77), {.ints_as_i4 = true})));
  EXPECT_EQ(i4, Value(77));
  // Nil is written as XAPI's void and reads back as "".
  ASSERT_OK_AND_ASSIGN(Value nil, DecodeValue(EncodeValue(Value())));
  EXPECT_EQ(nil, Value(""));
}

TEST(XmlRpcRoundTripTest, DoublesUseSixteenDigits) {
  // %.16g, as XAPI: not every double survives, but what XAPI sends is read exactly.
  ASSERT_OK_AND_ASSIGN(Value v, DecodeValue(EncodeValue(Value(1.0 / 3.0))));
  EXPECT_EQ(v, Value(0.3333333333333333));
  ASSERT_OK_AND_ASSIGN(Value inf,
                       DecodeValue(EncodeValue(Value(std::numeric_limits<double>::infinity()))));
  EXPECT_EQ(inf, Value(std::numeric_limits<double>::infinity()));
}

TEST(XmlRpcRoundTripTest, MethodCall) {
  Array params{"OpaqueRef:session", Array{"VM", "task"}, "", 60.1};
  ASSERT_OK_AND_ASSIGN(MethodCall call, DecodeMethodCall(EncodeMethodCall("event.from", params)));
  EXPECT_EQ(call.method, "event.from");
  EXPECT_EQ(call.params, params);
}

// ---- methodCall forms ----

TEST(XmlRpcMethodCallTest, FormsOtherClientsSend) {
  const char* xml = R"(<?xml version="1.0"?>
<methodCall>
  <methodName> VM.get_record </methodName>
  <params>
    <param><value><string>OpaqueRef:s</string></value></param>
    <param><value>OpaqueRef:vm</value></param>
    <param><value><i8>5</i8></value></param>
  </params>
</methodCall>)";
  ASSERT_OK_AND_ASSIGN(MethodCall call, DecodeMethodCall(xml));
  EXPECT_EQ(call.method, "VM.get_record");
  EXPECT_EQ(call.params, (Array{"OpaqueRef:s", "OpaqueRef:vm", 5}));

  ASSERT_OK_AND_ASSIGN(MethodCall no_params,
                       DecodeMethodCall("<methodCall><methodName>system.listMethods</methodName>"
                                        "</methodCall>"));
  EXPECT_EQ(no_params.method, "system.listMethods");
  EXPECT_TRUE(no_params.params.empty());
  ASSERT_OK_AND_ASSIGN(MethodCall empty_params,
                       DecodeMethodCall("<methodCall><methodName>m</methodName><params/>"
                                        "</methodCall>"));
  EXPECT_TRUE(empty_params.params.empty());
}

TEST(XmlRpcMethodCallTest, RefusesMalformedCalls) {
  EXPECT_STATUS(DecodeMethodCall("<methodCall><params/></methodCall>"), StatusCode::kCorruption);
  EXPECT_STATUS(DecodeMethodCall("<methodCall><methodName></methodName></methodCall>"),
                StatusCode::kCorruption);
  EXPECT_STATUS(DecodeMethodCall("<methodCall><methodName>m</methodName><params><param/>"
                                 "</params></methodCall>"),
                StatusCode::kCorruption);
  EXPECT_STATUS(DecodeMethodCall("<methodCall><methodName>m</methodName><params><value>1</value>"
                                 "</params></methodCall>"),
                StatusCode::kCorruption);
  EXPECT_STATUS(DecodeMethodCall("<methodCall><methodName>m</methodName><other/></methodCall>"),
                StatusCode::kCorruption);
  // A response is not a call, and the other way round.
  EXPECT_STATUS(DecodeMethodCall(EncodeSuccess(Value("x"))), StatusCode::kCorruption);
  EXPECT_STATUS(DecodeResponse(EncodeMethodCall("m", {})), StatusCode::kCorruption);
}

// ---- Threads ----

TEST(XmlRpcThreadTest, ConcurrentDecodesIncludingFailures) {
  // libxml2 is initialised once and its error handlers are per thread: decodes on several
  // threads at once, half of them failing, must not interfere.
  const std::string good = EncodeSuccess(Value(Struct{{"a", Array{"x", true, 2.5}}}));
  const std::string bad = "<methodResponse><params><param><value><struct></value>";
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        Result<Value> g = DecodeResponse(good);
        if (!g.ok() || !UnwrapXapiResult(*g).ok()) ++failures[t];
        Result<Value> b = DecodeResponse(bad);
        if (b.ok() || b.status().message().find("malformed XML") == std::string::npos) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace xcr::xapi
