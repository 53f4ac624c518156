// The login questions: their exact texts, echo off for the password, which answers trust a
// certificate, and a prompt with no terminal passed on as an error.
#include "cli/login_questions.h"

#include <gtest/gtest.h>

#include "tests/testutil/status_matchers.h"

namespace xcr::cli {
namespace {

struct Asked {
  std::string question;
  bool echo = true;
};

// A prompt that records the question and answers `answer`.
PromptFn Answering(const std::string& answer, Asked* asked) {
  return [answer, asked](const std::string& question, bool echo) -> Result<std::string> {
    asked->question = question;
    asked->echo = echo;
    return answer;
  };
}

TEST(LoginQuestionsTest, PasswordQuestionNamesUserAndPoolWithoutEcho) {
  Asked asked;
  xapi::PasswordQuestion ask = AskPassword(Answering("s3cret", &asked));
  ASSERT_OK_AND_ASSIGN(std::string pw, ask("ops", "https://xen1"));
  EXPECT_EQ(pw, "s3cret");
  EXPECT_EQ(asked.question, "Password for ops at https://xen1: ");
  EXPECT_FALSE(asked.echo);
}

TEST(LoginQuestionsTest, TrustQuestionShowsTheFingerprintAndTakesYesOnly) {
  xapi::Fingerprint fp{};
  fp[0] = 0xAB;
  fp[31] = 0x01;
  for (const std::string yes : {"y", "Y", "yes"}) {
    Asked asked;
    ASSERT_OK_AND_ASSIGN(bool trusted, AskTrust(Answering(yes, &asked))("https://xen1", fp));
    EXPECT_TRUE(trusted) << yes;
    EXPECT_EQ(asked.question,
              "The certificate of https://xen1 is not signed by a trusted CA (XAPI hosts use "
              "self-signed ones).\nIts SHA-256 fingerprint is\n  " +
                  xapi::FormatFingerprint(fp) +
                  "\nCompare it with the one shown on the host (xe host-param-get "
                  "param-name=certificates ... / the console). Trust it for this run? [y/N] ");
    EXPECT_TRUE(asked.echo);
  }
  for (const std::string no : {"", "n", "N", "no", "yes please", "YES"}) {
    Asked asked;
    ASSERT_OK_AND_ASSIGN(bool trusted, AskTrust(Answering(no, &asked))("https://xen1", fp));
    EXPECT_FALSE(trusted) << no;
  }
}

TEST(LoginQuestionsTest, NoTerminalIsAnErrorAndNoPromptNoQuestion) {
  PromptFn no_tty = [](const std::string&, bool) -> Result<std::string> {
    return Status::FailedPrecondition("no terminal to ask on");
  };
  EXPECT_STATUS(AskTrust(no_tty)("https://xen1", xapi::Fingerprint{}),
                StatusCode::kFailedPrecondition);
  EXPECT_STATUS(AskPassword(no_tty)("root", "https://xen1"), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(AskTrust(nullptr));
  EXPECT_FALSE(AskPassword(nullptr));
}

}  // namespace
}  // namespace xcr::cli
