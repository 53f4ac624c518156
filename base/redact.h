// RedactUrl: a URL as messages may show it. Any user information ("user:password@") in the
// authority is replaced by "<user info>@", so a password typed into a URL never reaches a
// message, a log line or JSON output. Every message that prints a URL a user gave passes it
// through here. Text that is not a URL is returned unchanged unless it holds an '@' before the
// first '/', '?' or '#' after "://" (then that part is replaced the same way). Not libcurl's
// URL API (xapi/http_url.h): redaction must also cover text that no URL parser accepts (a typo,
// a refused scheme: the password in it still must not be shown), and base/ has no libcurl.
// Thread-safety: a pure function.
#ifndef XCR_BASE_REDACT_H_
#define XCR_BASE_REDACT_H_

#include <string>
#include <string_view>

namespace xcr {

// "https://root:SECRET@host:443/x" -> "https://<user info>@host:443/x"; "host" -> "host".
std::string RedactUrl(std::string_view url);

}  // namespace xcr

#endif  // XCR_BASE_REDACT_H_
