#include "xapi/credentials.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

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

PromptFn TerminalPrompt() {
  return [](const std::string& question, bool echo) -> Result<std::string> {
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || !isatty(fd)) {
      if (fd >= 0) close(fd);
      return Status::FailedPrecondition("no terminal to ask on");
    }
    (void)!write(fd, question.data(), question.size());
    termios old_tio{};
    bool restore = false;
    if (!echo && tcgetattr(fd, &old_tio) == 0) {
      termios tio = old_tio;
      tio.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      restore = tcsetattr(fd, TCSAFLUSH, &tio) == 0;
    }
    std::string answer;
    char c;
    while (answer.size() < 4096 && read(fd, &c, 1) == 1 && c != '\n') answer += c;
    if (restore) {
      tcsetattr(fd, TCSAFLUSH, &old_tio);
      (void)!write(fd, "\n", 1);
    }
    close(fd);
    if (!answer.empty() && answer.back() == '\r') answer.pop_back();
    return answer;
  };
}

Result<std::string> PinKey(std::string_view url) {
  XCR_ASSIGN_OR_RETURN(Url u, Url::Parse(url));
  if (u.port == 0) u.port = u.scheme == "https" ? 443 : 80;
  for (char& c : u.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return u.Base();
}

Result<bool> TakeClientFlag(const std::vector<std::string>& args, size_t* i, ClientFlags* flags) {
  std::string_view arg = args[*i];
  static constexpr std::string_view kNames[] = {"--credentials", "--user", "--fingerprint"};
  if (arg == "--insecure") {
    if (!flags->fingerprint.empty() || !flags->pool_fingerprints.empty()) {
      return Status::InvalidArgument("--insecure and --fingerprint cannot be used together");
    }
    flags->insecure = true;
    ++*i;
    return true;
  }
  for (std::string_view name : kNames) {
    std::string value;
    if (arg == name) {
      if (*i + 1 >= args.size()) {
        return Status::InvalidArgument(std::string(name) + " needs a value");
      }
      value = args[*i + 1];
      *i += 2;
    } else if (arg.substr(0, name.size() + 1) == std::string(name) + "=") {
      value = std::string(arg.substr(name.size() + 1));
      *i += 1;
    } else {
      continue;
    }
    if (name == "--credentials") flags->credentials_file = value;
    if (name == "--user") flags->user = value;
    if (name == "--fingerprint") {
      if (flags->insecure) {
        return Status::InvalidArgument("--insecure and --fingerprint cannot be used together");
      }
      size_t eq = value.rfind('=');  // fingerprints hold no '='
      if (eq != std::string::npos) {
        Result<std::string> key = PinKey(std::string_view(value).substr(0, eq));
        if (!key.ok()) {
          return Status::InvalidArgument("--fingerprint URL=SHA256:..: bad URL '" +
                                         value.substr(0, eq) + "' (" + key.status().message() +
                                         ")");
        }
        Result<Fingerprint> fp = ParseFingerprint(value.substr(eq + 1));
        if (!fp.ok()) return fp.status().WithContext("--fingerprint for " + *key);
        flags->pool_fingerprints.emplace_back(*key, value.substr(eq + 1));
        return true;
      }
      XCR_RETURN_IF_ERROR(ParseFingerprint(value).status());
      if (flags->fingerprint.empty()) {
        flags->fingerprint = value;
      } else {
        flags->extra_fingerprints.push_back(value);
      }
    }
    return true;
  }
  return false;
}

Result<Credentials> ResolveCredentials(const ClientFlags& flags, const std::string& url, Env* env,
                                       const PromptFn& prompt,
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
  if (!prompt) {
    return Status::InvalidArgument("no password for " + base +
                                   ": use --credentials FILE or set XCR_PASSWORD");
  }
  Result<std::string> answer = prompt("Password for " + c.user + " at " + base + ": ", false);
  if (!answer.ok()) {
    return Status::InvalidArgument("no password for " + base +
                                   ": use --credentials FILE (mode 0600), set XCR_PASSWORD, or "
                                   "run on a terminal to be asked");
  }
  c.password = std::move(answer).value();
  return c;
}

Result<TlsTrust> ResolveTrust(const ClientFlags& flags, const std::string& url,
                              const PromptFn& prompt) {
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
  if (prompt) {
    Result<std::string> answer =
        prompt("The certificate of " + parsed.Base() +
                   " is not signed by a trusted CA (XAPI hosts use self-signed ones).\n"
                   "Its SHA-256 fingerprint is\n  " +
                   shown +
                   "\nCompare it with the one shown on the host (xe host-param-get "
                   "param-name=certificates ... / the console). Trust it for this run? [y/N] ",
               true);
    if (answer.ok()) {
      if (*answer == "y" || *answer == "Y" || *answer == "yes") return TlsTrust::Pinned(fp);
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
