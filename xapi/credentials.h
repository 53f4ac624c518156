// Credentials and TLS trust for xcr tools, the same in every one (the flags are parsed by
// cli/client_flags.h; cli/login_questions.h asks at a terminal, xapi/pool_endpoint.h connects):
//
//   --credentials FILE   a file of mode 0600 (refused if group/world can read it), one line per
//                        pool: "URL USER PASSWORD"; '#' starts a comment; blank lines are fine.
//                        The password is the rest of the line (it may hold spaces).
//   XCR_PASSWORD         environment variable with the password; user from --user (default root)
//   (neither)            asked (at a terminal, without echo: cli/login_questions.h)
//   --fingerprint FP     pin the host certificate's SHA-256 ("SHA256:AB:CD:...") for every pool
//                        of the command; repeat it for the other pool members (each host has its
//                        own certificate)
//   --fingerprint URL=FP pin for the pool at URL only (repeatable, also per member); a pool with
//                        pins of its own ignores the bare ones, the other pools use the bare ones
//                        (or, without any, the system CA store and trust on first use)
//   --insecure           no certificate verification (explicit)
//   (neither)            system CA store; if the host's certificate is not CA-signed and the
//                        caller can ask someone (a TrustQuestion), the presented fingerprint is
//                        put to them and they may trust it for this run (trust on first use);
//                        otherwise the error says which --fingerprint to pass after checking it.
//
// Nothing here talks to a terminal: the questions (their texts, the answers they take) belong to
// the caller — cli/login_questions.h for the command line; a daemon passes none.
//
// "user:password@" in a URL on the command line is refused (see http_url.h): it leaks into
// process listings and shell history. Passwords never appear in messages.
// Thread-safety: functions are thread-safe if the questions passed to them are.
#ifndef XCR_XAPI_CREDENTIALS_H_
#define XCR_XAPI_CREDENTIALS_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "xapi/tls.h"

namespace xcr::xapi {

struct Credentials {
  std::string user;
  std::string password;  // secret
};

struct CredentialsEntry {
  std::string url;  // normalised "scheme://host[:port]"
  Credentials credentials;
};

// Parses the content of a credentials file; `path` names it in errors (kInvalidArgument with the
// line number; the line's text is never quoted since it may hold a password).
Result<std::vector<CredentialsEntry>> ParseCredentialsFile(std::string_view content,
                                                           std::string_view path);
// Reads and parses a credentials file. kPermissionDenied if group or others may read or write it
// ("chmod 600 FILE"); kNotFound if missing.
Result<std::vector<CredentialsEntry>> LoadCredentialsFile(Env* env, const std::string& path);

// Asks someone the password of `user` at `base_url` (the pool's "scheme://host[:port]").
// Returns it, or an error when there is no one to ask.
using PasswordQuestion =
    std::function<Result<std::string>(const std::string& user, const std::string& base_url)>;
// Asks someone whether to trust, for this run, the certificate with SHA-256 `fingerprint` that
// `base_url` presents and no trusted CA signed. true: trust it (pinned); false: refused; an error
// when there is no one to ask (ResolveTrust then says which --fingerprint to pass).
using TrustQuestion =
    std::function<Result<bool>(const std::string& base_url, const Fingerprint& fingerprint)>;

// What the client flags shared by the xcr tools say (parsed by cli/client_flags.h).
struct ClientFlags {
  std::string credentials_file;
  std::string user;         // --user (with XCR_PASSWORD or the prompt); default root
  std::string fingerprint;  // bare --fingerprint FP (the first one)
  // Further bare --fingerprint values: the other pool members' certificates.
  std::vector<std::string> extra_fingerprints;
  // --fingerprint URL=FP, in order: (the pool's PinKey, fingerprint).
  std::vector<std::pair<std::string, std::string>> pool_fingerprints;
  bool insecure = false;  // --insecure
};
// The key pins are matched by: "scheme://host:port" with the host in lower case and the port
// always given (the scheme's default when the URL has none), so "https://Xen1" and
// "https://xen1:443" name the same pool. kInvalidArgument for a bad URL.
Result<std::string> PinKey(std::string_view url);

// Credentials for `url`: from the credentials file's line for that URL, else XCR_PASSWORD (read
// through `getenv`), else `ask_password` (none: the error names the other ways). `getenv` is
// injectable for tests.
Result<Credentials> ResolveCredentials(
    const ClientFlags& flags, const std::string& url, Env* env,
    const PasswordQuestion& ask_password,
    const std::function<const char*(const char*)>& getenv_fn = nullptr);

// The trust policy for `url`: --insecure; the --fingerprint URL=FP pins given for this pool;
// else the bare --fingerprint pins; plain http (no TLS); or the system CA store with
// trust-on-first-use through `ask_trust` when the host's certificate is not CA-signed.
Result<TlsTrust> ResolveTrust(const ClientFlags& flags, const std::string& url,
                              const TrustQuestion& ask_trust);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_CREDENTIALS_H_
