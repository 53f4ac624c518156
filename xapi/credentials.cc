#include "xapi/credentials.h"

#include <cctype>
#include <cstdlib>

#include "base/text.h"
#include "xapi/http_curl.h"
#include "xapi/http_url.h"

namespace xcr::xapi {

namespace {

// Splits off the first whitespace-separated word.
std::string_view NextWord(std::string_view* rest) {
  *rest = TrimBlanks(*rest);
  size_t end = rest->find_first_of(" \t");
  std::string_view word = rest->substr(0, end);
  rest->remove_prefix(end == std::string_view::npos ? rest->size() : end);
  return word;
}

}  // namespace

Result<std::vector<CredentialsEntry>> ParseCredentialsFile(std::string_view content,
                                                           std::string_view path) {
  std::vector<CredentialsEntry> out;
  size_t line_no = 0;
  while (!content.empty()) {
    ++line_no;
    size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
    line = TrimBlanks(line);
    if (line.empty() || line.front() == '#') continue;
    std::string where = std::string(path) + ":" + std::to_string(line_no);
    std::string_view rest = line;
    std::string_view url_text = NextWord(&rest);
    std::string_view user = NextWord(&rest);
    std::string_view password = TrimBlanks(rest);
    if (user.empty() || password.empty()) {
      return Status::InvalidArgument(where + ": expected 'URL USER PASSWORD'");
    }
    Result<Url> url = Url::Parse(url_text);
    if (!url.ok()) {
      return Status::InvalidArgument(where + ": bad URL (" + url.status().message().substr(0, 200) +
                                     ")");
    }
    out.push_back({url->Base(), {std::string(user), std::string(password)}});
  }
  return out;
}

Result<std::vector<CredentialsEntry>> LoadCredentialsFile(Env* env, const std::string& path) {
  XCR_ASSIGN_OR_RETURN(uint32_t mode, env->GetFileMode(path));
  if ((mode & 077) != 0) {
    char octal[8];
    snprintf(octal, sizeof(octal), "%03o", mode & 0777);
    return Status::PermissionDenied("credentials file " + path + " has mode " + octal +
                                    ": group or others can access it, and it holds passwords. "
                                    "Run 'chmod 600 " +
                                    path + "' and try again");
  }
  XCR_ASSIGN_OR_RETURN(std::string content, env->ReadFileToString(path, 1 << 20));
  return ParseCredentialsFile(content, path);
}

Result<std::string> PinKey(std::string_view url) {
  XCR_ASSIGN_OR_RETURN(Url u, Url::Parse(url));
  if (u.port == 0) u.port = u.scheme == "https" ? 443 : 80;
  for (char& c : u.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return u.Base();
}

Result<Credentials> ResolveCredentials(const ClientFlags& flags, const std::string& url, Env* env,
                                       const PasswordQuestion& ask_password,
                                       const std::function<const char*(const char*)>& getenv_fn) {
  XCR_ASSIGN_OR_RETURN(Url parsed, Url::Parse(url));
  std::string base = parsed.Base();
  if (!flags.credentials_file.empty()) {
    XCR_ASSIGN_OR_RETURN(auto entries, LoadCredentialsFile(env, flags.credentials_file));
    for (const auto& e : entries) {
      if (e.url == base) return e.credentials;
    }
    return Status::NotFound("credentials file " + flags.credentials_file + " has no line for " +
                            base);
  }
  Credentials c;
  c.user = flags.user.empty() ? "root" : flags.user;
  const char* pw = getenv_fn ? getenv_fn("XCR_PASSWORD") : std::getenv("XCR_PASSWORD");
  if (pw != nullptr && *pw != '\0') {
    c.password = pw;
    return c;
  }
  if (!ask_password) {
    return Status::InvalidArgument("no password for " + base +
                                   ": use --credentials FILE or set XCR_PASSWORD");
  }
  Result<std::string> answer = ask_password(c.user, base);
  if (!answer.ok()) {
    return Status::InvalidArgument("no password for " + base +
                                   ": use --credentials FILE (mode 0600), set XCR_PASSWORD, or "
                                   "run on a terminal to be asked");
  }
  c.password = std::move(answer).value();
  return c;
}

Result<TlsTrust> ResolveTrust(const ClientFlags& flags, const std::string& url,
                              const TrustQuestion& ask_trust) {
  if (flags.insecure) return TlsTrust::Insecure();
  XCR_ASSIGN_OR_RETURN(std::string key, PinKey(url));
  std::vector<Fingerprint> own;
  for (const auto& [pool, text] : flags.pool_fingerprints) {
    if (pool != key) continue;
    XCR_ASSIGN_OR_RETURN(Fingerprint fp, ParseFingerprint(text));
    own.push_back(fp);
  }
  if (!own.empty()) {
    TlsTrust trust = TlsTrust::Pinned(own[0]);
    trust.extra_pins.assign(own.begin() + 1, own.end());
    return trust;
  }
  if (!flags.fingerprint.empty()) {
    XCR_ASSIGN_OR_RETURN(Fingerprint fp, ParseFingerprint(flags.fingerprint));
    TlsTrust trust = TlsTrust::Pinned(fp);
    for (const std::string& extra : flags.extra_fingerprints) {
      XCR_ASSIGN_OR_RETURN(Fingerprint e, ParseFingerprint(extra));
      trust.extra_pins.push_back(e);
    }
    return trust;
  }
  XCR_ASSIGN_OR_RETURN(Url parsed, Url::Parse(url));
  if (parsed.scheme != "https") return TlsTrust::SystemCa();
  // Does the system CA store accept the host?
  HttpLimits limits;
  limits.total_timeout_ms = limits.connect_timeout_ms;
  CurlEasy easy(TlsTrust::SystemCa(), limits);
  curl_easy_setopt(easy.get(), CURLOPT_URL, (parsed.Base() + "/").c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CONNECT_ONLY, 1L);
  Status ca = easy.ToStatus(curl_easy_perform(easy.get()), "connecting to " + parsed.Base());
  if (ca.ok()) return TlsTrust::SystemCa();
  if (ca.code() != StatusCode::kPermissionDenied) return ca;
  XCR_ASSIGN_OR_RETURN(Fingerprint fp, ProbeFingerprint(parsed.Base()));
  std::string shown = FormatFingerprint(fp);
  if (ask_trust) {
    Result<bool> trusted = ask_trust(parsed.Base(), fp);
    if (trusted.ok()) {
      if (*trusted) return TlsTrust::Pinned(fp);
      return Status::PermissionDenied("certificate of " + parsed.Base() + " not trusted");
    }
  }
  return Status::PermissionDenied(
      "the certificate of " + parsed.Base() +
      " is not signed by a trusted CA. If, after checking on the host, its fingerprint is " +
      shown + ", pass --fingerprint " + parsed.Base() + "=" + shown + " (or --fingerprint " +
      shown + " to pin it for every pool of the command)");
}

}  // namespace xcr::xapi
