#include "web/http_util.h"

#include <algorithm>

#include "base/text.h"

namespace xcr::web {
namespace {

std::vector<std::pair<std::string, std::string>> SecurityHeaders(bool https) {
  std::vector<std::pair<std::string, std::string>> h = {
      {"Content-Security-Policy", kContentSecurityPolicy},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  if (https) h.emplace_back("Strict-Transport-Security", "max-age=31536000");
  return h;
}

bool HasHeader(const net::HttpResponse& r, const std::string& name) {
  return std::any_of(r.headers.begin(), r.headers.end(),
                     [&](const auto& h) { return AsciiLower(h.first) == AsciiLower(name); });
}

}  // namespace

net::HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

net::HttpResponse ErrorResponse(int status, const std::string& message) {
  return JsonResponse(status, nlohmann::json{{"error", message}});
}

std::optional<std::string> FindCookie(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string_view pair = TrimBlanks(std::string_view(header).substr(pos, end - pos));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && TrimBlanks(pair.substr(0, eq)) == name) {
      return std::string(TrimBlanks(pair.substr(eq + 1)));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

void AddSecurityHeaders(net::HttpResponse* response, bool https) {
  for (auto& h : SecurityHeaders(https)) {
    if (!HasHeader(*response, h.first)) response->headers.push_back(h);
  }
  if (!HasHeader(*response, "Cache-Control")) {
    response->headers.emplace_back("Cache-Control", "no-store");
  }
}

std::string SecurityHeaderLines(bool https) {
  std::string out;
  for (auto& [name, value] : SecurityHeaders(https)) out += name + ": " + value + "\r\n";
  return out;
}

std::string SerializeResponse(const net::HttpResponse& response) {
  auto headers = response.headers;
  headers.emplace_back("Content-Length", std::to_string(response.body.size()));
  headers.emplace_back("Connection", "close");
  return net::ResponseHead(response.status, headers) + response.body;
}

}  // namespace xcr::web
