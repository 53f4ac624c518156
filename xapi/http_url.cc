#include "xapi/http_url.h"

#include <charconv>

namespace xcr::xapi {

namespace {

// Splits "host[:port]" / "[v6][:port]" into host and port.
Status SplitHostPort(std::string_view hp, std::string_view original, std::string* host,
                     uint16_t* port) {
  std::string_view port_text;
  if (!hp.empty() && hp.front() == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("URL '" + std::string(original) + "': unclosed '['");
    }
    *host = std::string(hp.substr(1, close - 1));
    std::string_view after = hp.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Status::InvalidArgument("URL '" + std::string(original) + "': junk after ']'");
      }
      port_text = after.substr(1);
    }
  } else {
    size_t colon = hp.rfind(':');
    if (colon != std::string_view::npos && hp.find(':') != colon) {
      *host = std::string(hp);  // a bare IPv6 address
    } else if (colon != std::string_view::npos) {
      *host = std::string(hp.substr(0, colon));
      port_text = hp.substr(colon + 1);
    } else {
      *host = std::string(hp);
    }
  }
  if (host->empty()) {
    return Status::InvalidArgument("URL '" + std::string(original) + "' has no host");
  }
  *port = 0;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Status::InvalidArgument("URL '" + std::string(original) + "': bad port '" +
                                     std::string(port_text) + "'");
    }
    *port = static_cast<uint16_t>(value);
  }
  return Status::OK();
}

}  // namespace

Result<Url> Url::Parse(std::string_view text) {
  Url url;
  std::string_view rest = text;
  size_t sep = rest.find("://");
  if (sep == std::string_view::npos) {
    url.scheme = "https";
  } else {
    url.scheme = std::string(rest.substr(0, sep));
    for (char& c : url.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    rest.remove_prefix(sep + 3);
    if (url.scheme != "http" && url.scheme != "https") {
      return Status::InvalidArgument("URL '" + std::string(text) + "': scheme '" + url.scheme +
                                     "' is not http or https");
    }
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return Status::InvalidArgument(
        "URL '" +
        std::string(
            text.substr(0, text.find("://") == std::string_view::npos ? 0 : text.find("://") + 3)) +
        "<user info>@...' carries credentials; they would leak into process listings, shell "
        "history and logs. Give them with --credentials FILE (mode 0600), the XCR_PASSWORD "
        "environment variable, or the terminal prompt instead");
  }
  XCR_RETURN_IF_ERROR(SplitHostPort(authority, text, &url.host, &url.port));
  return url;
}

std::string Url::Base() const {
  std::string out = scheme + "://";
  if (host.find(':') != std::string::npos) {
    out += "[" + host + "]";
  } else {
    out += host;
  }
  if (port != 0) out += ":" + std::to_string(port);
  return out;
}

Result<Url> Url::WithAddress(std::string_view address) const {
  Url out = *this;
  uint16_t port = 0;
  XCR_RETURN_IF_ERROR(SplitHostPort(address, address, &out.host, &port));
  if (port != 0) out.port = port;
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace xcr::xapi
