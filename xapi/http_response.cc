#include "xapi/http_response.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "base/text.h"

namespace xcr::xapi {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string ResponseHead::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::string();
}

Result<size_t> FindResponseHeadEnd(std::string_view data) {
  size_t crlf = data.find("\r\n\r\n");
  size_t lf = data.find("\n\n");
  size_t end = std::string_view::npos;
  if (crlf != std::string_view::npos) end = crlf + 4;
  if (lf != std::string_view::npos) end = std::min(end, lf + 2);
  if (end != std::string_view::npos && end <= kMaxResponseHead) return end;
  if (data.size() >= kMaxResponseHead) {
    return Status::Corruption("the HTTP response head is longer than " +
                              std::to_string(kMaxResponseHead) + " bytes");
  }
  return size_t{0};
}

Result<ResponseHead> ParseResponseHead(std::string_view head) {
  ResponseHead out;
  size_t eol = head.find('\n');
  std::string_view status_line = TrimBlanks(head.substr(0, eol));
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      !std::isdigit(static_cast<unsigned char>(status_line[7])) || status_line[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11])) ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    std::string shown(status_line.substr(0, 80));
    for (char& c : shown) {
      if (c < 32 || c > 126) c = '?';
    }
    return Status::Corruption("not an HTTP/1.x status line: '" + shown + "'");
  }
  out.status =
      (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  if (status_line.size() > 13) out.reason = std::string(status_line.substr(13));
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
  while (!rest.empty()) {
    size_t next = rest.find('\n');
    std::string_view line = TrimBlanks(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    if (line.empty()) break;  // the blank line that ends the head
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Status::Corruption("HTTP response header line without a name: '" +
                                std::string(line.substr(0, 80)) + "'");
    }
    out.headers.emplace_back(Lower(TrimBlanks(line.substr(0, colon))),
                             std::string(TrimBlanks(line.substr(colon + 1))));
  }
  for (const auto& [name, value] : out.headers) {
    if (name == "content-length") {
      uint64_t n = 0;
      if (value.empty() || value.size() > 19 ||
          !std::all_of(value.begin(), value.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        return Status::Corruption("bad Content-Length '" + value.substr(0, 40) + "'");
      }
      for (char c : value) n = n * 10 + static_cast<uint64_t>(c - '0');
      if (out.content_length && *out.content_length != n) {
        return Status::Corruption("two different Content-Length headers");
      }
      out.content_length = n;
    } else if (name == "transfer-encoding") {
      std::string v = Lower(value);
      size_t last = v.rfind(',');
      std::string_view coding = TrimBlanks(
          last == std::string::npos ? std::string_view(v) : std::string_view(v).substr(last + 1));
      if (coding == "chunked") {
        out.chunked = true;
      } else if (coding != "identity") {
        return Status::Corruption("unsupported Transfer-Encoding '" + value.substr(0, 40) + "'");
      }
    }
  }
  if (out.chunked) out.content_length.reset();  // chunked framing wins (RFC 9112 6.3)
  return out;
}

Result<size_t> ChunkedDecoder::Decode(uint8_t* data, size_t n) {
  size_t in = 0, out = 0;
  while (in < n) {
    uint8_t c = data[in];
    switch (state_) {
      case State::kSize: {
        int d = HexDigitValue(static_cast<char>(c));
        if (d >= 0) {
          if (++size_digits_ > 15) return Status::Corruption("chunk size too large");
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(d);
          ++in;
        } else if (size_digits_ == 0) {
          return Status::Corruption("chunked body: a chunk size was expected");
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;
          ++in;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
          ++in;
        } else if (c == '\n') {
          state_ = State::kSizeLf;  // lenient: a bare LF ends the line
        } else {
          return Status::Corruption("chunked body: bad character in a chunk size");
        }
        break;
      }
      case State::kExtension:
        if (c == '\r') state_ = State::kSizeLf;
        if (c != '\n') ++in;
        if (c == '\n') state_ = State::kSizeLf;
        break;
      case State::kSizeLf:
        if (c != '\n') return Status::Corruption("chunked body: CR without LF after a size");
        ++in;
        size_digits_ = 0;
        state_ = remaining_ == 0 ? State::kTrailer : State::kData;
        trailer_line_ = 0;
        break;
      case State::kData: {
        size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - in));
        if (out != in) std::memmove(data + out, data + in, take);
        out += take;
        in += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (c == '\r') {
          state_ = State::kDataLf;
          ++in;
        } else if (c == '\n') {
          state_ = State::kDataLf;
        } else {
          return Status::Corruption("chunked body: a chunk is longer than its size");
        }
        break;
      case State::kDataLf:
        if (c != '\n') return Status::Corruption("chunked body: CR without LF after a chunk");
        ++in;
        state_ = State::kSize;
        break;
      case State::kTrailer:
        // Trailer lines, then an empty line. Only the line length matters.
        ++in;
        if (c == '\n') {
          if (trailer_line_ == 0) {
            state_ = State::kDone;
          } else {
            trailer_line_ = 0;
          }
        } else if (c != '\r') {
          ++trailer_line_;
        }
        break;
      case State::kDone:
        return Status::Corruption("bytes after the last chunk of a chunked body");
    }
  }
  return out;
}

}  // namespace xcr::xapi
