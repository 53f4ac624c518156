// Small pieces of HTTP the web layer shares: JSON answers in the daemon API's error shape
// (docs/api.md: {"error": "..."}), cookies, and the security headers every answer carries.
// Thread-safety: free functions.
#ifndef XCR_WEB_HTTP_UTIL_H_
#define XCR_WEB_HTTP_UTIL_H_

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "net/http_types.h"

namespace xcr::web {

net::HttpResponse JsonResponse(int status, const nlohmann::json& body);
// {"error": message}
net::HttpResponse ErrorResponse(int status, const std::string& message);

// The value of cookie `name` in a Cookie request header ("a=1; b=2"), or nullopt.
std::optional<std::string> FindCookie(const std::string& cookie_header, const std::string& name);

// The Content-Security-Policy of every answer: everything from this origin only, no inline
// script or style, no frames, no plugins.
inline constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// Adds the security headers (CSP, nosniff, no framing, no referrer; HSTS when `https`) and, for
// answers that do not say otherwise, Cache-Control: no-store.
void AddSecurityHeaders(net::HttpResponse* response, bool https);
// The same headers as one block of "Name: value\r\n" lines, for streamed answers.
std::string SecurityHeaderLines(bool https);

// The full text of a bounded response, for handlers that write to a raw connection.
std::string SerializeResponse(const net::HttpResponse& response);

}  // namespace xcr::web

#endif  // XCR_WEB_HTTP_UTIL_H_
