#include "jobs/report_sender.h"

#include "jobs/report.h"
#include "jobs/report_webhook.h"

namespace xcr::jobs {

Status SendRunReport(const Job& job, const RunRecord& run, std::span<const VmTargetState> states,
                     const SmtpSettings& smtp) {
  if (!ShouldSendReport(job.report.when, run.result)) return Status::OK();
  Status result;
  auto note = [&result](const Status& s) {
    if (s.ok()) return;
    result = result.ok() ? s : result.WithMessage(result.message() + "; also " + s.message());
  };
  if (!job.report.webhook_url.empty()) {
    // VM names and errors come from the hosts: bytes that are not UTF-8 become U+FFFD.
    std::string body = RunReportJson(job, run, states)
                           .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    note(PostJsonWebhook(job.report.webhook_url, body));
  }
  if (!job.report.recipients.empty()) {
    MailMessage mail;
    mail.to = job.report.recipients;
    mail.subject = RunReportSubject(job, run, states);
    mail.body = RunReportText(job, run, states);
    mail.date_unix_us = run.end_us;
    note(SendMail(smtp, mail));
  }
  return result;
}

}  // namespace xcr::jobs
