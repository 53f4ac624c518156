// SendMail: sends one plain-text e-mail through an SMTP server with libcurl (smtp:// with
// STARTTLS when offered, or smtps://). The daemon reads the server from its settings:
//   smtp.url   e.g. "smtp://mail.example.com:25", "smtps://mail.example.com"
//   smtp.from  the sender address, e.g. "xcr@example.com"
// OK once the server accepted the message for every recipient; kUnavailable naming the server
// and its answer otherwise; kInvalidArgument for missing settings or addresses with line breaks.
// Thread-safety: safe to call concurrently (one curl handle per call).
#ifndef XCR_JOBS_REPORT_MAIL_H_
#define XCR_JOBS_REPORT_MAIL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace xcr::jobs {

inline constexpr std::string_view kSettingSmtpUrl = "smtp.url";
inline constexpr std::string_view kSettingSmtpFrom = "smtp.from";

struct SmtpSettings {
  std::string url;   // smtp://host[:port] or smtps://host[:port]
  std::string from;  // sender address
  uint64_t timeout_ms = 30'000;
};

struct MailMessage {
  std::vector<std::string> to;
  std::string subject;       // one line
  std::string body;          // plain text, '\n' line ends (sent as CRLF)
  int64_t date_unix_us = 0;  // the Date header; 0 = none (the server adds one)
};

Status SendMail(const SmtpSettings& smtp, const MailMessage& message);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_REPORT_MAIL_H_
