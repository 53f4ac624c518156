// Url: the small subset of URL handling the XAPI client needs — "scheme://host[:port][/path]".
//
// Pool URLs name a host ("https://xen1.example" or "http://127.0.0.1:8080"). Credentials in the
// URL ("https://root:secret@host") are refused: they would show up in process listings, shell
// history and logs.
//
// Parsing is libcurl's URL API (CURLU: curl_url_set/curl_url_get), the same parser that later
// opens the connection, so what is accepted here is what curl will connect to; this file only
// adds the pool-URL rules on top (http/https only, a host, no user info, a port of 1..65535,
// XAPI's bare IPv6 member addresses bracketed).
// UrlEncode stays our own: curl_easy_escape needs a handle and escapes ':' too, which would
// turn every OpaqueRef:... in a transfer's query string into OpaqueRef%3A... (XAPI decodes
// both alike; the readable form keeps logs and tests plain).
// Thread-safety: plain values; Parse may be called from many threads at once.
#ifndef XCR_XAPI_HTTP_URL_H_
#define XCR_XAPI_HTTP_URL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace xcr::xapi {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // name, IPv4, or IPv6 without brackets
  uint16_t port = 0;   // 0 = the scheme's default

  // Parses "http(s)://host[:port][/]". A bare "host[:port]" means https. Any path is dropped.
  // kInvalidArgument for other schemes, an empty host, a bad port, or user info ("u:p@").
  static Result<Url> Parse(std::string_view text);

  // "scheme://host[:port]" (IPv6 hosts bracketed), no trailing slash.
  std::string Base() const;
  // The same scheme, with the host (and port, if the address names one) from a pool member's
  // address as XAPI reports it ("10.0.0.2", "10.0.0.2:8443", "[fe80::1]:443"). Keeps this URL's
  // port when the address has none.
  Result<Url> WithAddress(std::string_view address) const;
};

// Percent-encodes a query parameter value.
std::string UrlEncode(std::string_view s);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_HTTP_URL_H_
