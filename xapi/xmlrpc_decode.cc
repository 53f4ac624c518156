// XML-RPC decoding on libxml2's streaming reader (xmlTextReader): no DOM is built, so memory is
// the decoded Value plus libxml2's small window. The grammar is walked by recursive descent whose
// depth is bounded by DecodeLimits::max_depth; a byte pre-scan bounds XML nesting and refuses any
// DOCTYPE before libxml2 parses anything.
#include <libxml/parser.h>
#include <libxml/xmlreader.h>

#include <charconv>
#include <climits>
#include <cstring>
#include <mutex>

#include "xapi/base64.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi {
namespace {

void InitLibxml2Once() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

bool IsXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (!IsXmlSpace(c)) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Quoted, shortened text for error messages.
std::string Quote(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "'";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out.append("...");
  out.append("'");
  return out;
}

// Before libxml2 sees the document: refuses a DOCTYPE (XML-RPC has none; entity declarations
// live there) and element nesting deeper than max_xml_depth. The lexer follows XML's rules for
// comments, CDATA sections, processing instructions and quoted attribute values, so what it
// counts is what libxml2 will parse; on malformed input it stops and leaves the error to libxml2.
Status PreScan(std::string_view xml, int max_xml_depth) {
  const char* p = xml.data();
  const char* end = p + xml.size();
  int depth = 0;
  int line = 1;
  const auto find = [&](const char* from, std::string_view what) -> const char* {
    if (from > end) return nullptr;
    std::string_view rest(from, end - from);
    size_t at = rest.find(what);
    return at == std::string_view::npos ? nullptr : from + at;
  };
  const auto count_lines = [&](const char* from, const char* to) {
    for (const char* q = from; q < to; ++q) line += *q == '\n';
  };
  while (p < end) {
    const char* lt = static_cast<const char*>(std::memchr(p, '<', end - p));
    if (lt == nullptr) break;
    count_lines(p, lt);
    std::string_view rest(lt, end - lt);
    const char* next = nullptr;
    if (rest.starts_with("<!--")) {
      const char* close = find(lt + 4, "-->");
      next = close ? close + 3 : nullptr;
    } else if (rest.starts_with("<![CDATA[")) {
      const char* close = find(lt + 9, "]]>");
      next = close ? close + 3 : nullptr;
    } else if (rest.starts_with("<!DOCTYPE")) {
      return Status::Corruption("XML-RPC: a DOCTYPE is not allowed (line " + std::to_string(line) +
                                ")");
    } else if (rest.starts_with("<?")) {
      const char* close = find(lt + 2, "?>");
      next = close ? close + 2 : nullptr;
    } else if (rest.starts_with("</")) {
      --depth;
      const char* close = static_cast<const char*>(std::memchr(lt, '>', end - lt));
      next = close ? close + 1 : nullptr;
    } else {
      // A start tag: find its '>' outside quoted attribute values.
      const char* q = lt + 1;
      char quote = 0;
      for (; q < end; ++q) {
        if (quote != 0) {
          if (*q == quote) quote = 0;
        } else if (*q == '"' || *q == '\'') {
          quote = *q;
        } else if (*q == '>') {
          break;
        }
      }
      if (q == end) break;
      if (q[-1] != '/' && ++depth > max_xml_depth) {
        return Status::ResourceExhausted("XML-RPC: document nested deeper than " +
                                         std::to_string(max_xml_depth) + " elements (line " +
                                         std::to_string(line) + ")");
      }
      next = q + 1;
    }
    if (next == nullptr) break;
    count_lines(lt, next);
    p = next;
  }
  return Status::OK();
}

// One step of the document, as the grammar sees it.
struct Token {
  enum Kind { kStart, kEnd, kText, kEof } kind = kEof;
  const char* name = "";  // element name (libxml2 owns it until the next Read)
  std::string_view text;  // kText (libxml2 owns it until the next Read)
};

class Decoder {
 public:
  Decoder(std::string_view xml, const DecodeLimits& limits) : xml_(xml), limits_(limits) {}
  ~Decoder() {
    if (reader_ != nullptr) xmlFreeTextReader(reader_);
    if (handlers_set_) {
      xmlSetGenericErrorFunc(saved_generic_context_, saved_generic_);
      xmlSetStructuredErrorFunc(saved_structured_context_, saved_structured_);
    }
  }
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Checks size and nesting, then opens the reader.
  Status Open();
  // Reads the root element's start tag; kCorruption unless it is `root`.
  Status ExpectRoot(const char* root, bool* empty);
  // After the root's end tag: only comments, PIs and blanks may follow.
  Status ExpectEof();

  Status ParseMethodCall(MethodCall* call);
  Status ParseMethodResponse(Value* value, bool* fault);
  // The root <value> start has been read.
  Status ParseValue(bool empty, int depth, Value* out);

 private:
  // Advances one node. Comments and PIs are skipped; an empty element yields kStart then kEnd.
  Status Next(Token* t);
  // Next token that is not blank text; other text is an error naming `where`.
  Status NextNonBlank(Token* t, const char* where);
  // Reads the start tag of `name` (after blanks); `*empty` tells whether it was <name/>.
  Status ExpectStart(const char* name, const char* where, bool* empty);
  Status ExpectEnd(const char* name);
  // Concatenated text up to the end tag of `element`, whose start tag was just read.
  Status ReadText(const char* element, std::string* out);
  Status ParseScalar(const char* type, Value* out);
  Status ParseArray(bool empty, int depth, Value* out);
  Status ParseStruct(bool empty, int depth, Value* out);

  Status Error(std::string what) const {
    return Status::Corruption("XML-RPC: " + what + " (line " + std::to_string(Line()) + ")");
  }
  int Line() const {
    int line = reader_ != nullptr ? xmlTextReaderGetParserLineNumber(reader_) : 0;
    return line > 0 ? line : 1;
  }
  static void OnXmlError(void* self, xmlErrorPtr error);
  static void IgnoreGenericError(void*, const char*, ...) {}

  std::string_view xml_;
  const DecodeLimits& limits_;
  xmlTextReaderPtr reader_ = nullptr;
  std::string xml_error_;  // first error libxml2 reported
  int xml_error_line_ = 0;
  bool pending_end_ = false;  // an empty element's synthetic end tag is due
  const char* pending_name_ = "";
  size_t elements_ = 0;
  // This thread's libxml2 error handlers, replaced while decoding so that nothing is printed
  // (libxml2 keeps them per thread).
  bool handlers_set_ = false;
  xmlGenericErrorFunc saved_generic_ = nullptr;
  void* saved_generic_context_ = nullptr;
  xmlStructuredErrorFunc saved_structured_ = nullptr;
  void* saved_structured_context_ = nullptr;
};

void Decoder::OnXmlError(void* self, xmlErrorPtr error) {
  auto* d = static_cast<Decoder*>(self);
  if (error == nullptr || error->level == XML_ERR_WARNING || !d->xml_error_.empty()) return;
  d->xml_error_ = error->message != nullptr ? error->message : "unknown libxml2 error";
  while (!d->xml_error_.empty() && IsXmlSpace(d->xml_error_.back())) d->xml_error_.pop_back();
  d->xml_error_line_ = error->line;
}

Status Decoder::Open() {
  if (xml_.size() > limits_.max_bytes || xml_.size() > static_cast<size_t>(INT_MAX)) {
    return Status::ResourceExhausted("XML-RPC: document of " + std::to_string(xml_.size()) +
                                     " bytes is over the limit of " +
                                     std::to_string(limits_.max_bytes) + " bytes");
  }
  if (Trim(xml_).empty()) return Status::Corruption("XML-RPC: empty document");
  // Envelope (4 levels) + 3 per array/struct level + a typed scalar, with some slack.
  const int max_xml_depth = 3 * std::max(limits_.max_depth, 0) + 8;
  XCR_RETURN_IF_ERROR(PreScan(xml_, max_xml_depth));
  InitLibxml2Once();
  saved_generic_ = xmlGenericError;
  saved_generic_context_ = xmlGenericErrorContext;
  saved_structured_ = xmlStructuredError;
  saved_structured_context_ = xmlStructuredErrorContext;
  xmlSetGenericErrorFunc(nullptr, &Decoder::IgnoreGenericError);
  xmlSetStructuredErrorFunc(this, &Decoder::OnXmlError);
  handlers_set_ = true;
  // No XML_PARSE_NOENT (entity substitution), DTDLOAD, DTDATTR, XINCLUDE or HUGE.
  reader_ = xmlReaderForMemory(xml_.data(), static_cast<int>(xml_.size()), nullptr, nullptr,
                               XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_COMPACT);
  if (reader_ == nullptr) return Status::Internal("XML-RPC: libxml2 could not create a reader");
  xmlTextReaderSetStructuredErrorHandler(reader_, &Decoder::OnXmlError, this);
  return Status::OK();
}

Status Decoder::Next(Token* t) {
  if (pending_end_) {
    pending_end_ = false;
    t->kind = Token::kEnd;
    t->name = pending_name_;
    return Status::OK();
  }
  for (;;) {
    const int rc = xmlTextReaderRead(reader_);
    if (rc < 0 || !xml_error_.empty()) {
      const int line = xml_error_line_ > 0 ? xml_error_line_ : Line();
      return Status::Corruption("XML-RPC: malformed XML at line " + std::to_string(line) + ": " +
                                (xml_error_.empty() ? "parse error" : xml_error_));
    }
    if (rc == 0) {
      t->kind = Token::kEof;
      return Status::OK();
    }
    switch (xmlTextReaderNodeType(reader_)) {
      case XML_READER_TYPE_ELEMENT:
        t->kind = Token::kStart;
        t->name = reinterpret_cast<const char*>(xmlTextReaderConstName(reader_));
        if (xmlTextReaderIsEmptyElement(reader_) == 1) {
          pending_end_ = true;
          pending_name_ = t->name;
        }
        return Status::OK();
      case XML_READER_TYPE_END_ELEMENT:
        t->kind = Token::kEnd;
        t->name = reinterpret_cast<const char*>(xmlTextReaderConstName(reader_));
        return Status::OK();
      case XML_READER_TYPE_TEXT:
      case XML_READER_TYPE_CDATA:
      case XML_READER_TYPE_WHITESPACE:
      case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
        const xmlChar* v = xmlTextReaderConstValue(reader_);
        t->kind = Token::kText;
        t->text =
            v != nullptr ? std::string_view(reinterpret_cast<const char*>(v)) : std::string_view();
        return Status::OK();
      }
      case XML_READER_TYPE_COMMENT:
      case XML_READER_TYPE_PROCESSING_INSTRUCTION:
      case XML_READER_TYPE_XML_DECLARATION:
        continue;
      case XML_READER_TYPE_DOCUMENT_TYPE:
        return Error("a DOCTYPE is not allowed");
      case XML_READER_TYPE_ENTITY_REFERENCE:
        return Error("entity references other than the predefined ones are not allowed");
      default:
        return Error("unexpected XML node type " + std::to_string(xmlTextReaderNodeType(reader_)));
    }
  }
}

Status Decoder::NextNonBlank(Token* t, const char* where) {
  for (;;) {
    XCR_RETURN_IF_ERROR(Next(t));
    if (t->kind != Token::kText) return Status::OK();
    if (!IsBlank(t->text)) return Error("unexpected text " + Quote(t->text) + " in " + where);
  }
}

Status Decoder::ExpectStart(const char* name, const char* where, bool* empty) {
  Token t;
  XCR_RETURN_IF_ERROR(NextNonBlank(&t, where));
  if (t.kind != Token::kStart || std::strcmp(t.name, name) != 0) {
    std::string got = t.kind == Token::kStart ? std::string("<") + t.name + ">"
                      : t.kind == Token::kEnd ? std::string("</") + t.name + ">"
                                              : std::string("end of document");
    return Error(std::string("expected <") + name + "> in " + where + ", found " + got);
  }
  *empty = pending_end_;
  return Status::OK();
}

Status Decoder::ExpectEnd(const char* name) {
  Token t;
  XCR_RETURN_IF_ERROR(NextNonBlank(&t, name));
  if (t.kind == Token::kEnd && std::strcmp(t.name, name) == 0) return Status::OK();
  if (t.kind == Token::kStart) {
    return Error(std::string("unexpected <") + t.name + "> in <" + name + ">");
  }
  return Error(std::string("expected </") + name + ">");
}

Status Decoder::ExpectRoot(const char* root, bool* empty) {
  Token t;
  XCR_RETURN_IF_ERROR(NextNonBlank(&t, "the document"));
  if (t.kind != Token::kStart) return Error("no root element");
  if (std::strcmp(t.name, root) != 0) {
    return Error(std::string("root element is <") + t.name + ">, expected <" + root + ">");
  }
  *empty = pending_end_;
  return Status::OK();
}

Status Decoder::ExpectEof() {
  Token t;
  XCR_RETURN_IF_ERROR(NextNonBlank(&t, "the end of the document"));
  if (t.kind != Token::kEof) return Error("content after the root element");
  return Status::OK();
}

Status Decoder::ReadText(const char* element, std::string* out) {
  out->clear();
  for (;;) {
    Token t;
    XCR_RETURN_IF_ERROR(Next(&t));
    switch (t.kind) {
      case Token::kText:
        out->append(t.text);
        break;
      case Token::kEnd:
        return Status::OK();  // libxml2 has checked that it matches
      case Token::kStart:
        return Error(std::string("unexpected <") + t.name + "> in <" + element + ">");
      case Token::kEof:
        return Error(std::string("document ends inside <") + element + ">");
    }
  }
}

Status ParseInt(std::string_view text, int64_t* out) {
  std::string_view s = Trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return Status::Corruption("not a 64-bit integer: " + Quote(text));
  }
  return Status::OK();
}

Status ParseDouble(std::string_view text, double* out) {
  std::string_view s = Trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
    return Status::Corruption("not a double: " + Quote(text));
  }
  return Status::OK();
}

Status ParseBool(std::string_view text, bool* out) {
  std::string_view s = Trim(text);
  const auto is = [&](std::string_view word) {
    if (s.size() != word.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      if ((s[i] | 0x20) != word[i]) return false;
    }
    return true;
  };
  if (s == "1" || is("true")) {
    *out = true;
  } else if (s == "0" || is("false")) {
    *out = false;
  } else {
    return Status::Corruption("not a boolean: " + Quote(text));
  }
  return Status::OK();
}

Status Decoder::ParseScalar(const char* type, Value* out) {
  std::string text;
  XCR_RETURN_IF_ERROR(ReadText(type, &text));  // also consumes an empty element's end
  Status s;
  if (std::strcmp(type, "string") == 0) {
    *out = Value(std::move(text));
  } else if (std::strcmp(type, "i4") == 0 || std::strcmp(type, "int") == 0 ||
             std::strcmp(type, "i8") == 0) {
    int64_t i = 0;
    s = ParseInt(text, &i);
    *out = Value(i);
  } else if (std::strcmp(type, "double") == 0) {
    double d = 0;
    s = ParseDouble(text, &d);
    *out = Value(d);
  } else if (std::strcmp(type, "boolean") == 0) {
    bool b = false;
    s = ParseBool(text, &b);
    *out = Value(b);
  } else if (std::strcmp(type, "dateTime.iso8601") == 0) {
    std::string_view t = Trim(text);
    if (t.empty()) return Error("empty <dateTime.iso8601>");
    *out = Value(DateTime{std::string(t)});
  } else if (std::strcmp(type, "base64") == 0) {
    Result<std::string> bytes = DecodeBase64(text);
    if (!bytes.ok()) return Error("bad <base64>: " + bytes.status().message());
    *out = Value(std::move(bytes).value());
  } else if (std::strcmp(type, "nil") == 0 || std::strcmp(type, "ex:nil") == 0) {
    if (!IsBlank(text)) return Error("<nil> holds text " + Quote(text));
    *out = Value();
  } else {
    return Error(std::string("unknown XML-RPC type <") + type + ">");
  }
  if (!s.ok()) return Error("bad <" + std::string(type) + ">: " + s.message());
  return Status::OK();
}

Status Decoder::ParseValue(bool empty, int depth, Value* out) {
  if (++elements_ > limits_.max_elements) {
    return Status::ResourceExhausted("XML-RPC: more than " + std::to_string(limits_.max_elements) +
                                     " values in the document (line " + std::to_string(Line()) +
                                     ")");
  }
  if (empty) {
    Token end;
    XCR_RETURN_IF_ERROR(Next(&end));  // the synthetic </value>
    *out = Value(std::string());
    return Status::OK();
  }
  std::string text;  // untyped content, if it turns out to be untyped
  for (;;) {
    Token t;
    XCR_RETURN_IF_ERROR(Next(&t));
    if (t.kind == Token::kText) {
      text.append(t.text);
      continue;
    }
    if (t.kind == Token::kEnd) {  // </value>: an untyped string
      *out = Value(std::move(text));
      return Status::OK();
    }
    if (t.kind == Token::kEof) return Error("document ends inside <value>");
    if (!IsBlank(text)) {
      return Error("text " + Quote(text) + " next to <" + t.name + "> in <value>");
    }
    const bool inner_empty = pending_end_;
    if (std::strcmp(t.name, "array") == 0) {
      XCR_RETURN_IF_ERROR(ParseArray(inner_empty, depth, out));
    } else if (std::strcmp(t.name, "struct") == 0) {
      XCR_RETURN_IF_ERROR(ParseStruct(inner_empty, depth, out));
    } else {
      XCR_RETURN_IF_ERROR(ParseScalar(t.name, out));
    }
    return ExpectEnd("value");
  }
}

Status Decoder::ParseArray(bool empty, int depth, Value* out) {
  if (depth + 1 > limits_.max_depth) {
    return Status::ResourceExhausted("XML-RPC: arrays/structs nested deeper than " +
                                     std::to_string(limits_.max_depth) + " (line " +
                                     std::to_string(Line()) + ")");
  }
  Array items;
  if (empty) {
    Token end;
    XCR_RETURN_IF_ERROR(Next(&end));  // the synthetic </array>
  } else {
    bool data_empty = false;  // <data/> yields its end tag next, which ends the loop
    XCR_RETURN_IF_ERROR(ExpectStart("data", "<array>", &data_empty));
    for (;;) {
      Token t;
      XCR_RETURN_IF_ERROR(NextNonBlank(&t, "<data>"));
      if (t.kind == Token::kEnd) break;  // </data>; libxml2 checks that tags match
      if (t.kind == Token::kEof) return Error("document ends inside <data>");
      if (std::strcmp(t.name, "value") != 0) {
        return Error(std::string("unexpected <") + t.name + "> in <data>");
      }
      Value v;
      XCR_RETURN_IF_ERROR(ParseValue(pending_end_, depth + 1, &v));
      items.push_back(std::move(v));
    }
    XCR_RETURN_IF_ERROR(ExpectEnd("array"));
  }
  *out = Value(std::move(items));
  return Status::OK();
}

Status Decoder::ParseStruct(bool empty, int depth, Value* out) {
  if (depth + 1 > limits_.max_depth) {
    return Status::ResourceExhausted("XML-RPC: arrays/structs nested deeper than " +
                                     std::to_string(limits_.max_depth) + " (line " +
                                     std::to_string(Line()) + ")");
  }
  Struct members;
  Token t;
  if (empty) {
    XCR_RETURN_IF_ERROR(Next(&t));
    *out = Value(std::move(members));
    return Status::OK();
  }
  for (;;) {
    XCR_RETURN_IF_ERROR(NextNonBlank(&t, "<struct>"));
    if (t.kind == Token::kEnd) break;
    if (t.kind != Token::kStart || std::strcmp(t.name, "member") != 0) {
      return Error(t.kind == Token::kStart ? std::string("unexpected <") + t.name + "> in <struct>"
                                           : std::string("document ends inside <struct>"));
    }
    if (pending_end_) return Error("empty <member>");
    std::string name;
    bool have_name = false;
    bool have_value = false;
    Value v;
    for (;;) {
      XCR_RETURN_IF_ERROR(NextNonBlank(&t, "<member>"));
      if (t.kind == Token::kEnd) break;
      if (t.kind == Token::kEof) return Error("document ends inside <member>");
      if (std::strcmp(t.name, "name") == 0 && !have_name) {
        have_name = true;
        XCR_RETURN_IF_ERROR(ReadText("name", &name));
      } else if (std::strcmp(t.name, "value") == 0 && !have_value) {
        have_value = true;
        XCR_RETURN_IF_ERROR(ParseValue(pending_end_, depth + 1, &v));
      } else {
        return Error(std::string("unexpected <") + t.name + "> in <member>");
      }
    }
    if (!have_name) return Error("<member> without <name>");
    if (!have_value) return Error("<member> " + Quote(name) + " without <value>");
    members.insert_or_assign(std::move(name), std::move(v));
  }
  *out = Value(std::move(members));
  return Status::OK();
}

Status Decoder::ParseMethodCall(MethodCall* call) {
  bool empty = false;
  XCR_RETURN_IF_ERROR(ExpectRoot("methodCall", &empty));
  if (empty) return Error("empty <methodCall>");
  bool have_name = false;
  bool have_params = false;
  for (;;) {
    Token t;
    XCR_RETURN_IF_ERROR(NextNonBlank(&t, "<methodCall>"));
    if (t.kind == Token::kEnd) break;
    if (t.kind == Token::kEof) return Error("document ends inside <methodCall>");
    if (std::strcmp(t.name, "methodName") == 0 && !have_name) {
      have_name = true;
      std::string name;
      XCR_RETURN_IF_ERROR(ReadText("methodName", &name));
      call->method = std::string(Trim(name));
      if (call->method.empty()) return Error("empty <methodName>");
    } else if (std::strcmp(t.name, "params") == 0 && !have_params) {
      have_params = true;
      if (pending_end_) {
        XCR_RETURN_IF_ERROR(Next(&t));
        continue;
      }
      for (;;) {
        XCR_RETURN_IF_ERROR(NextNonBlank(&t, "<params>"));
        if (t.kind == Token::kEnd) break;
        if (t.kind != Token::kStart || std::strcmp(t.name, "param") != 0) {
          return Error(t.kind == Token::kStart
                           ? std::string("unexpected <") + t.name + "> in <params>"
                           : std::string("document ends inside <params>"));
        }
        if (pending_end_) return Error("empty <param>");
        bool value_empty = false;
        XCR_RETURN_IF_ERROR(ExpectStart("value", "<param>", &value_empty));
        Value v;
        XCR_RETURN_IF_ERROR(ParseValue(value_empty, 0, &v));
        call->params.push_back(std::move(v));
        XCR_RETURN_IF_ERROR(ExpectEnd("param"));
      }
    } else {
      return Error(std::string("unexpected <") + t.name + "> in <methodCall>");
    }
  }
  if (!have_name) return Error("<methodCall> without <methodName>");
  return ExpectEof();
}

Status Decoder::ParseMethodResponse(Value* value, bool* fault) {
  bool empty = false;
  XCR_RETURN_IF_ERROR(ExpectRoot("methodResponse", &empty));
  if (empty) return Error("empty <methodResponse>");
  Token t;
  XCR_RETURN_IF_ERROR(NextNonBlank(&t, "<methodResponse>"));
  if (t.kind == Token::kStart && std::strcmp(t.name, "params") == 0) {
    *fault = false;
    if (pending_end_) return Error("<methodResponse> with no <param>");
    bool param_empty = false;
    XCR_RETURN_IF_ERROR(ExpectStart("param", "<params>", &param_empty));
    if (param_empty) return Error("empty <param>");
    bool value_empty = false;
    XCR_RETURN_IF_ERROR(ExpectStart("value", "<param>", &value_empty));
    XCR_RETURN_IF_ERROR(ParseValue(value_empty, 0, value));
    XCR_RETURN_IF_ERROR(ExpectEnd("param"));
    XCR_RETURN_IF_ERROR(NextNonBlank(&t, "<params>"));
    if (t.kind == Token::kStart) return Error("<methodResponse> with more than one <param>");
    if (t.kind != Token::kEnd) return Error("document ends inside <params>");
  } else if (t.kind == Token::kStart && std::strcmp(t.name, "fault") == 0) {
    *fault = true;
    if (pending_end_) return Error("empty <fault>");
    bool value_empty = false;
    XCR_RETURN_IF_ERROR(ExpectStart("value", "<fault>", &value_empty));
    XCR_RETURN_IF_ERROR(ParseValue(value_empty, 0, value));
    XCR_RETURN_IF_ERROR(ExpectEnd("fault"));
  } else {
    return Error(t.kind == Token::kStart
                     ? std::string("unexpected <") + t.name + "> in <methodResponse>"
                     : std::string("<methodResponse> without <params> or <fault>"));
  }
  XCR_RETURN_IF_ERROR(ExpectEnd("methodResponse"));
  return ExpectEof();
}

}  // namespace

Result<MethodCall> DecodeMethodCall(std::string_view xml, const DecodeLimits& limits) {
  Decoder d(xml, limits);
  XCR_RETURN_IF_ERROR(d.Open());
  MethodCall call;
  XCR_RETURN_IF_ERROR(d.ParseMethodCall(&call));
  return call;
}

Result<Value> DecodeResponse(std::string_view xml, const DecodeLimits& limits) {
  Decoder d(xml, limits);
  XCR_RETURN_IF_ERROR(d.Open());
  Value v;
  bool fault = false;
  XCR_RETURN_IF_ERROR(d.ParseMethodResponse(&v, &fault));
  if (!fault) return v;
  if (!v.is_struct()) {
    return WrongType("XML-RPC: <fault> value", "a struct", v);
  }
  std::string code;
  std::string text;
  if (const Value* c = v.Find("faultCode"); c != nullptr && c->AsString().ok()) {
    code = *c->AsString();
  }
  if (const Value* s = v.Find("faultString"); s != nullptr && s->AsString().ok()) {
    text = *s->AsString();
  }
  return Status::Remote("XMLRPC_FAULT", {code, text});
}

Result<Value> DecodeValue(std::string_view xml, const DecodeLimits& limits) {
  Decoder d(xml, limits);
  XCR_RETURN_IF_ERROR(d.Open());
  bool empty = false;
  XCR_RETURN_IF_ERROR(d.ExpectRoot("value", &empty));
  Value v;
  XCR_RETURN_IF_ERROR(d.ParseValue(empty, 0, &v));
  XCR_RETURN_IF_ERROR(d.ExpectEof());
  return v;
}

Result<Value> UnwrapXapiResult(const Value& response) {
  if (!response.is_struct()) {
    return WrongType("XAPI response", "a {Status, ...} struct", response);
  }
  const Value* status = response.Find("Status");
  if (status == nullptr || !status->is_string()) {
    return Status::Corruption("XAPI response has no string Status member: " + response.Describe());
  }
  if (status->string() == "Success") {
    const Value* value = response.Find("Value");
    if (value == nullptr) return Status::Corruption("XAPI Success response without a Value");
    return *value;
  }
  if (status->string() == "Failure") {
    const Value* desc = response.Find("ErrorDescription");
    if (desc == nullptr || !desc->is_array() || desc->array().empty()) {
      return Status::Corruption("XAPI Failure response without a non-empty ErrorDescription");
    }
    std::vector<std::string> parts;
    parts.reserve(desc->array().size());
    for (const Value& e : desc->array()) {
      Result<std::string> s = e.AsString();
      // A non-string parameter is rendered rather than dropped: the code must survive.
      parts.push_back(s.ok() ? std::move(s).value() : e.DebugString());
    }
    std::string code = std::move(parts.front());
    parts.erase(parts.begin());
    if (code.empty()) return Status::Corruption("XAPI Failure response with an empty error code");
    return Status::Remote(std::move(code), std::move(parts));
  }
  return Status::Corruption("XAPI response Status is " + Quote(status->string()) +
                            ", expected Success or Failure");
}

}  // namespace xcr::xapi
