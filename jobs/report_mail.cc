#include "jobs/report_mail.h"

#include <date/date.h>

#include <algorithm>
#include <chrono>

#include "jobs/report_curl.h"

namespace xcr::jobs {
namespace {

bool HasLineBreak(std::string_view s) { return s.find('\r') != s.npos || s.find('\n') != s.npos; }

std::string WithCrlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\r') continue;
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

struct Upload {
  std::string data;
  size_t pos = 0;
};

size_t ReadUpload(char* buf, size_t size, size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  size_t len = std::min(size * n, up->data.size() - up->pos);
  std::copy_n(up->data.data() + up->pos, len, buf);
  up->pos += len;
  return len;
}

std::string Angle(const std::string& address) { return "<" + address + ">"; }

}  // namespace

Status SendMail(const SmtpSettings& smtp, const MailMessage& message) {
  if (smtp.url.empty() || smtp.from.empty()) {
    return Status::InvalidArgument(
        "e-mail reports need the settings smtp.url (smtp://host:port) and smtp.from");
  }
  if (smtp.url.rfind("smtp://", 0) != 0 && smtp.url.rfind("smtps://", 0) != 0) {
    return Status::InvalidArgument("smtp.url '" + smtp.url + "' is not smtp:// or smtps://");
  }
  if (message.to.empty()) return Status::InvalidArgument("an e-mail needs a recipient");
  bool bad = HasLineBreak(smtp.from) || HasLineBreak(message.subject);
  for (const std::string& to : message.to) bad |= HasLineBreak(to);
  if (bad) return Status::InvalidArgument("e-mail addresses and subject must be one line each");

  Upload up;
  if (message.date_unix_us != 0) {
    auto t =
        std::chrono::floor<std::chrono::seconds>(std::chrono::sys_time<std::chrono::microseconds>(
            std::chrono::microseconds(message.date_unix_us)));
    up.data += "Date: " + date::format("%a, %d %b %Y %H:%M:%S +0000", t) + "\r\n";
  }
  up.data += "From: " + Angle(smtp.from) + "\r\n";
  std::string to_header;
  for (const std::string& to : message.to) to_header += (to_header.empty() ? "" : ", ") + Angle(to);
  up.data += "To: " + to_header + "\r\n";
  up.data += "Subject: " + message.subject + "\r\n";
  up.data += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n";
  up.data += "Content-Transfer-Encoding: 8bit\r\n\r\n";
  up.data += WithCrlf(message.body);

  CurlEasy curl;
  curl_slist* rcpt = nullptr;
  for (const std::string& to : message.to) rcpt = curl_slist_append(rcpt, Angle(to).c_str());
  std::string from = Angle(smtp.from);
  curl_easy_setopt(curl.get(), CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl.get(), CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(curl.get(), CURLOPT_READDATA, &up);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(smtp.timeout_ms));
  CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(rcpt);
  if (rc != CURLE_OK) {
    long code = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
    return Status::Unavailable(
        "sending the report by e-mail through " + smtp.url + ": " + curl.Error(rc) +
        (code != 0 ? " (server answered " + std::to_string(code) + ")" : std::string()));
  }
  return Status::OK();
}

}  // namespace xcr::jobs
