// Reports delivered to receivers this test starts on 127.0.0.1: a webhook (HTTP) and an SMTP
// server; reportWhen decides whether anything is sent.
#include <gtest/gtest.h>

#include "jobs/report_mail.h"
#include "jobs/report_sender.h"
#include "jobs/report_webhook.h"
#include "tests/jobs/integration/local_receivers.h"
#include "tests/jobs/store_test_util.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::jobs {
namespace {

using testing::LocalHttpReceiver;
using testing::LocalSmtpReceiver;

class ReportDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    job_ = testing::ValidJob();
    job_.report.webhook_url = hook_.url();
    job_.report.recipients = {"ops@example.com", "dr@example.com"};
    run_ = testing::Finished(testing::MakeRun(job_.id, int64_t{1795426867} * 1000000),
                             int64_t{1795427000} * 1000000, RunResult::kFailure);
    VmTargetState bad{job_.id, testing::kVm1, testing::kPoolA, "sr-fast", "web-01"};
    bad.state = VmState::kError;
    bad.error = "SR full";
    states_ = {bad};
    smtp_ = {mail_.url(), "xcr@example.com"};
  }

  LocalHttpReceiver hook_;
  LocalSmtpReceiver mail_;
  Job job_;
  RunRecord run_;
  std::vector<VmTargetState> states_;
  SmtpSettings smtp_;
};

TEST_F(ReportDelivery, FailureReportGoesToWebhookAndMail) {
  ASSERT_OK(SendRunReport(job_, run_, states_, smtp_));
  hook_.Stop();
  mail_.Stop();

  std::vector<LocalHttpReceiver::Request> requests = hook_.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].head.rfind("POST /hook HTTP/1.1\r\n", 0), 0u) << requests[0].head;
  EXPECT_NE(requests[0].head.find("Content-Type: application/json"), std::string::npos);
  nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["run"]["id"], run_.id);
  EXPECT_EQ(body["run"]["result"], "failure");
  EXPECT_EQ(body["vms"][0]["error"], "SR full");

  std::vector<LocalSmtpReceiver::Mail> mails = mail_.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].from.substr(0, 17), "<xcr@example.com>");
  EXPECT_EQ(mails[0].to, (std::vector<std::string>{"<ops@example.com>", "<dr@example.com>"}));
  EXPECT_NE(mails[0].data.find("Subject: [xcr] nightly: failure (1 of 1 VM failed)\r\n"),
            std::string::npos)
      << mails[0].data;
  EXPECT_NE(mails[0].data.find("Date: Mon, 23 Nov 2026 09:43:20 +0000\r\n"), std::string::npos)
      << mails[0].data;
  EXPECT_NE(mails[0].data.find("web-01 -> sr-fast: error: SR full\r\n"), std::string::npos)
      << mails[0].data;
}

TEST_F(ReportDelivery, ReportWhenHoldsBack) {
  job_.report.when = ReportWhen::kNever;
  ASSERT_OK(SendRunReport(job_, run_, states_, smtp_));
  job_.report.when = ReportWhen::kFailure;
  run_.result = RunResult::kSuccess;
  states_[0].state = VmState::kOk;
  ASSERT_OK(SendRunReport(job_, run_, states_, smtp_));
  hook_.Stop();
  mail_.Stop();
  EXPECT_EQ(hook_.connections(), 0);
  EXPECT_EQ(mail_.connections(), 0);
}

TEST_F(ReportDelivery, AlwaysSendsSuccessToo) {
  job_.report.when = ReportWhen::kAlways;
  run_.result = RunResult::kSuccess;
  states_[0].state = VmState::kOk;
  ASSERT_OK(SendRunReport(job_, run_, states_, smtp_));
  hook_.Stop();
  mail_.Stop();
  ASSERT_EQ(hook_.requests().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(hook_.requests()[0].body)["run"]["result"], "success");
  ASSERT_EQ(mail_.mails().size(), 1u);
}

TEST_F(ReportDelivery, ReceiverErrorsAreReportedBothTried) {
  LocalHttpReceiver failing(500);
  LocalSmtpReceiver rejecting({"<dr@example.com>"});
  job_.report.webhook_url = failing.url();
  Status s = SendRunReport(job_, run_, states_, {rejecting.url(), "xcr@example.com"});
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("answered HTTP 500"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("also sending the report by e-mail"), std::string::npos)
      << s.message();
  failing.Stop();
  rejecting.Stop();
  EXPECT_EQ(failing.requests().size(), 1u);
  EXPECT_TRUE(rejecting.mails().empty());
}

TEST_F(ReportDelivery, UnreachableOrMisconfigured) {
  hook_.Stop();  // nothing listens on its port any more
  EXPECT_STATUS(PostJsonWebhook(hook_.url(), "{}"), StatusCode::kUnavailable);
  EXPECT_STATUS(PostJsonWebhook("file:///etc/passwd", "{}"), StatusCode::kInvalidArgument);
  MailMessage m{{"ops@example.com"}, "s", "b"};
  EXPECT_STATUS(SendMail({"", "xcr@example.com"}, m), StatusCode::kInvalidArgument);
  EXPECT_STATUS(SendMail({"http://x", "xcr@example.com"}, m), StatusCode::kInvalidArgument);
  m.subject = "two\r\nBcc: evil@example.com";
  EXPECT_STATUS(SendMail(smtp_, m), StatusCode::kInvalidArgument);
  mail_.Stop();
  EXPECT_EQ(mail_.connections(), 0);
}

TEST_F(ReportDelivery, BodyLinesStartingWithADotSurvive) {
  MailMessage m{{"ops@example.com"}, "dots", "first\n.hidden\n..two\nlast\n"};
  ASSERT_OK(SendMail(smtp_, m));
  mail_.Stop();
  ASSERT_EQ(mail_.mails().size(), 1u);
  EXPECT_NE(mail_.mails()[0].data.find("\r\n\r\nfirst\r\n.hidden\r\n..two\r\nlast\r\n"),
            std::string::npos)
      << mail_.mails()[0].data;
}

}  // namespace
}  // namespace xcr::jobs
