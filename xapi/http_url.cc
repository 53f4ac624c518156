#include "xapi/http_url.h"

#include <curl/curl.h>

#include <charconv>
#include <memory>

namespace xcr::xapi {

namespace {

struct CurluDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
using Curlu = std::unique_ptr<CURLU, CurluDeleter>;

// One part of a parsed URL; "" when the URL has none.
std::string Part(CURLU* h, CURLUPart part) {
  char* p = nullptr;
  if (curl_url_get(h, part, &p, 0) != CURLUE_OK || p == nullptr) return "";
  std::string out(p);
  curl_free(p);
  return out;
}

std::string CredentialsRefused(std::string_view text) {
  size_t sep = text.find("://");
  std::string scheme(text.substr(0, sep == std::string_view::npos ? 0 : sep + 3));
  return "URL '" + scheme +
         "<user info>@...' carries credentials; they would leak into process listings, shell "
         "history and logs. Give them with --credentials FILE (mode 0600), the XCR_PASSWORD "
         "environment variable, or the terminal prompt instead";
}

// `text` parsed by libcurl (a URL without a scheme gets https), checked for what a pool URL
// may hold. `shown` is what error messages quote.
Result<Url> ParseWithCurl(const std::string& text, std::string_view shown) {
  Curlu h(curl_url());
  if (h == nullptr) return Status::Internal("libcurl could not allocate a URL handle");
  CURLUcode rc = curl_url_set(h.get(), CURLUPART_URL, text.c_str(), CURLU_DEFAULT_SCHEME);
  // Refuse user info before saying anything else about the URL, so no message can echo it.
  if (rc == CURLUE_OK &&
      (!Part(h.get(), CURLUPART_USER).empty() || !Part(h.get(), CURLUPART_PASSWORD).empty())) {
    return Status::InvalidArgument(CredentialsRefused(shown));
  }
  if (rc != CURLUE_OK) {
    if (text.find('@') != std::string::npos)
      return Status::InvalidArgument(CredentialsRefused(shown));
    return Status::InvalidArgument("URL '" + std::string(shown) + "': " + curl_url_strerror(rc));
  }
  Url url;
  url.scheme = Part(h.get(), CURLUPART_SCHEME);  // libcurl gives it in lower case
  if (url.scheme != "http" && url.scheme != "https") {
    return Status::InvalidArgument("URL '" + std::string(shown) + "': scheme '" + url.scheme +
                                   "' is not http or https");
  }
  url.host = Part(h.get(), CURLUPART_HOST);
  if (url.host.size() >= 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  if (url.host.empty()) {
    return Status::InvalidArgument("URL '" + std::string(shown) + "' has no host");
  }
  const std::string port = Part(h.get(), CURLUPART_PORT);  // only a port the URL names
  if (!port.empty()) {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      return Status::InvalidArgument("URL '" + std::string(shown) + "': bad port '" + port + "'");
    }
    url.port = static_cast<uint16_t>(value);
  }
  return url;
}

}  // namespace

Result<Url> Url::Parse(std::string_view text) { return ParseWithCurl(std::string(text), text); }

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
  std::string authority(address);
  // XAPI may report a bare IPv6 address; a URL needs it bracketed.
  if (!authority.empty() && authority.front() != '[' &&
      authority.find(':') != authority.rfind(':')) {
    authority = "[" + authority + "]";
  }
  XCR_ASSIGN_OR_RETURN(Url out, ParseWithCurl(scheme + "://" + authority, address));
  if (out.port == 0) out.port = port;
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
