// XML-RPC encoding, byte for byte as XAPI's server writes it (see xapi/xmlrpc.h).
#include <cinttypes>
#include <cstdio>
#include <limits>

#include "xapi/xmlrpc.h"

namespace xcr::xapi {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i] that XML 1.0 can carry, or 0.
size_t ValidUtf8Length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  const auto cont = [](unsigned b) { return b >= 0x80 && b <= 0xBF; };
  const unsigned c = byte(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(byte(1)) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned b1 = byte(1);
    if (c == 0xE0 && (b1 < 0xA0 || b1 > 0xBF)) return 0;
    if (c == 0xED && (b1 < 0x80 || b1 > 0x9F)) return 0;  // UTF-16 surrogates
    if (!cont(b1) || !cont(byte(2))) return 0;
    if (c == 0xEF && b1 == 0xBF && byte(2) >= 0xBE) return 0;  // U+FFFE, U+FFFF
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned b1 = byte(1);
    if (c == 0xF0 && (b1 < 0x90 || b1 > 0xBF)) return 0;
    if (c == 0xF4 && (b1 < 0x80 || b1 > 0x8F)) return 0;
    if (!cont(b1) || !cont(byte(2)) || !cont(byte(3))) return 0;
    return 4;
  }
  return 0;
}

void AppendEscaped(std::string_view s, std::string* out) {
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  size_t i = 0;
  const auto flush = [&](size_t end) { out->append(s.data() + run, end - run); };
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '<' && c != '>' && c != '&') {
      ++i;
      continue;
    }
    if (c == '\t' || c == '\n') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t len = ValidUtf8Length(s, i);
      if (len != 0) {
        i += len;
        continue;
      }
    }
    flush(i);
    switch (c) {
      case '<':
        out->append("&lt;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '&':
        out->append("&amp;");
        break;
      case '\r':
        out->append("&#13;");
        break;
      default:
        out->append(kReplacement);
        break;
    }
    run = ++i;
  }
  flush(i);
}

void AppendValue(const Value& v, const EncodeOptions& options, std::string* out) {
  out->append("<value>");
  switch (v.type()) {
    case Value::Type::kNil:
      break;
    case Value::Type::kString:
      AppendEscaped(v.string(), out);
      break;
    case Value::Type::kInt: {
      const int64_t i = v.int_value();
      const bool i4 = options.ints_as_i4 && i >= std::numeric_limits<int32_t>::min() &&
                      i <= std::numeric_limits<int32_t>::max();
      if (i4) out->append("<i4>");
      out->append(std::to_string(i));
      if (i4) out->append("</i4>");
      break;
    }
    case Value::Type::kDouble: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.16g", v.double_value());
      out->append("<double>").append(buf).append("</double>");
      break;
    }
    case Value::Type::kBool:
      out->append(v.bool_value() ? "<boolean>1</boolean>" : "<boolean>0</boolean>");
      break;
    case Value::Type::kDateTime:
      out->append("<dateTime.iso8601>");
      AppendEscaped(v.datetime().iso8601, out);
      out->append("</dateTime.iso8601>");
      break;
    case Value::Type::kArray:
      out->append("<array><data>");
      for (const Value& e : v.array()) AppendValue(e, options, out);
      out->append("</data></array>");
      break;
    case Value::Type::kStruct:
      out->append("<struct>");
      for (const auto& [name, member] : v.structure()) {
        out->append("<member><name>");
        AppendEscaped(name, out);
        out->append("</name>");
        AppendValue(member, options, out);
        out->append("</member>");
      }
      out->append("</struct>");
      break;
  }
  out->append("</value>");
}

constexpr std::string_view kResponseHead = "<?xml version=\"1.0\"?><methodResponse><params><param>";
constexpr std::string_view kResponseTail = "</param></params></methodResponse>";

}  // namespace

std::string EncodeValue(const Value& v, const EncodeOptions& options) {
  std::string out;
  AppendValue(v, options, &out);
  return out;
}

std::string EncodeMethodCall(std::string_view method, const Array& params,
                             const EncodeOptions& options) {
  std::string out = "<?xml version=\"1.0\"?><methodCall><methodName>";
  AppendEscaped(method, &out);
  out.append("</methodName><params>");
  for (const Value& p : params) {
    out.append("<param>");
    AppendValue(p, options, &out);
    out.append("</param>");
  }
  out.append("</params></methodCall>");
  return out;
}

std::string EncodeResponse(const Value& v, const EncodeOptions& options) {
  std::string out(kResponseHead);
  AppendValue(v, options, &out);
  out.append(kResponseTail);
  return out;
}

// The envelope is written by hand so that Status comes first, as XAPI writes it.
std::string EncodeSuccess(const Value& v, const EncodeOptions& options) {
  std::string out(kResponseHead);
  out.append(
      "<value><struct><member><name>Status</name><value>Success</value></member>"
      "<member><name>Value</name>");
  AppendValue(v, options, &out);
  out.append("</member></struct></value>");
  out.append(kResponseTail);
  return out;
}

std::string EncodeFailure(const std::vector<std::string>& error_description) {
  std::string out(kResponseHead);
  out.append(
      "<value><struct><member><name>Status</name><value>Failure</value></member>"
      "<member><name>ErrorDescription</name><value><array><data>");
  for (const std::string& s : error_description) {
    out.append("<value>");
    AppendEscaped(s, &out);
    out.append("</value>");
  }
  out.append("</data></array></value></member></struct></value>");
  out.append(kResponseTail);
  return out;
}

std::string EncodeFault(int fault_code, std::string_view fault_string) {
  std::string out =
      "<?xml version=\"1.0\"?><methodResponse><fault><value><struct><member><name>faultCode"
      "</name><value><int>";
  out.append(std::to_string(fault_code));
  out.append("</int></value></member><member><name>faultString</name><value><string>");
  AppendEscaped(fault_string, &out);
  out.append("</string></value></member></struct></value></fault></methodResponse>");
  return out;
}

}  // namespace xcr::xapi
