#include "xapi/connection.h"

#include <gtest/gtest.h>

#include <mutex>

#include "base/logging.h"
#include "tests/testutil/status_matchers.h"
#include "tests/xapi/session_fake_xapi.h"
#include "xapi/api.h"

namespace xcr::xapi {
namespace {

using testing::FakePool;

SessionOptions Options(const FakePool& pool) {
  SessionOptions o;
  o.user = "root";
  o.password = pool.password;
  return o;
}

// Collects every log line while it lives (the sink is put back even when an assertion returns).
class LogCapture {
 public:
  LogCapture() {
    SetLogSink([this](LogLevel, const std::string& line) {
      std::lock_guard<std::mutex> l(mu_);
      text_ += line + "\n";
    });
  }
  ~LogCapture() { SetLogSink(nullptr); }
  std::string text() const {
    std::lock_guard<std::mutex> l(mu_);
    return text_;
  }

 private:
  mutable std::mutex mu_;
  std::string text_;
};

TEST(ConnectionTest, LogsInWithOriginatorAndLogsOutOnClose) {
  FakePool pool;
  pool.On("VM.get_all_records", [](const Array&) -> Result<Value> { return Value(Struct{}); });
  ASSERT_OK_AND_ASSIGN(auto conn,
                       Connection::Open("http://master:80", Options(pool), pool.Factory()));
  auto logins = pool.params_of("session.login_with_password");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0], (Array{"root", pool.password, "1.1", "xcr"}));
  ASSERT_OK_AND_ASSIGN(Value v, conn->Call("VM.get_all_records", {}));
  EXPECT_TRUE(v.is_struct());
  auto calls = pool.params_of("VM.get_all_records");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], (Array{conn->session_ref()}));
  EXPECT_EQ(conn->pool_members().size(), 2u);
  EXPECT_EQ(pool.live_sessions(), 1);
  ASSERT_OK(conn->Close());
  EXPECT_EQ(pool.live_sessions(), 0);
  EXPECT_STATUS(conn->Call("VM.get_all_records", {}), StatusCode::kFailedPrecondition);
}

TEST(ConnectionTest, DestructorLogsOut) {
  FakePool pool;
  {
    ASSERT_OK_AND_ASSIGN(auto conn,
                         Connection::Open("http://master:80", Options(pool), pool.Factory()));
    EXPECT_EQ(pool.live_sessions(), 1);
  }
  EXPECT_EQ(pool.live_sessions(), 0);
}

TEST(ConnectionTest, WrongPasswordIsRemoteErrorWithoutThePassword) {
  FakePool pool;
  SessionOptions o = Options(pool);
  o.password = "wrong horse battery";
  auto conn = Connection::Open("http://master:80", o, pool.Factory());
  ASSERT_FALSE(conn.ok());
  EXPECT_EQ(conn.status().error_name(), "SESSION_AUTHENTICATION_FAILED");
  EXPECT_EQ(conn.status().ToString().find("wrong horse"), std::string::npos);
}

TEST(ConnectionTest, ReLogsInOnSessionInvalidAndRetries) {
  FakePool pool;
  int n = 0;
  pool.On("VM.get_name_label",
          [&](const Array&) -> Result<Value> { return Value(std::to_string(++n)); });
  ASSERT_OK_AND_ASSIGN(auto conn,
                       Connection::Open("http://master:80", Options(pool), pool.Factory()));
  std::string first = conn->session_ref();
  pool.ExpireSessions();
  ASSERT_OK_AND_ASSIGN(Value v, conn->Call("VM.get_name_label", {"OpaqueRef:vm"}));
  EXPECT_EQ(v, Value("1"));
  EXPECT_EQ(conn->login_count(), 2);
  EXPECT_NE(conn->session_ref(), first);
}

TEST(ConnectionTest, GivesUpAfterTwoReLogins) {
  FakePool pool;
  pool.On("VM.get_name_label", [](const Array&) -> Result<Value> { return Value(1); });
  ASSERT_OK_AND_ASSIGN(auto conn,
                       Connection::Open("http://master:80", Options(pool), pool.Factory()));
  pool.SetAlwaysInvalid(true);
  auto r = conn->Call("VM.get_name_label", {"OpaqueRef:vm"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().error_name(), "SESSION_INVALID");
  EXPECT_EQ(conn->login_count(), 3);  // the first login and two re-logins
  pool.SetAlwaysInvalid(false);
}

TEST(ConnectionTest, FollowsHostIsSlaveToTheMaster) {
  FakePool pool;
  ASSERT_OK_AND_ASSIGN(auto conn,
                       Connection::Open("http://member:80", Options(pool), pool.Factory()));
  EXPECT_EQ(conn->master_url(), "http://master:80");
}

TEST(ConnectionTest, MasterChangeDuringCallFollowsTheNewMaster) {
  FakePool pool;
  pool.On("VM.get_name_label", [](const Array&) -> Result<Value> { return Value("seven"); });
  ASSERT_OK_AND_ASSIGN(auto conn,
                       Connection::Open("http://master:80", Options(pool), pool.Factory()));
  pool.SetMaster("http://member:80");
  ASSERT_OK_AND_ASSIGN(Value v, conn->Call("VM.get_name_label", {"OpaqueRef:vm"}));
  EXPECT_EQ(v, Value("seven"));
  EXPECT_EQ(conn->master_url(), "http://member:80");
}

TEST(ConnectionTest, FailsOverToAnotherMemberWhenTheMasterIsUnreachable) {
  FakePool pool;
  pool.On("VM.get_name_label", [](const Array&) -> Result<Value> { return Value("seven"); });
  ASSERT_OK_AND_ASSIGN(auto conn,
                       Connection::Open("http://master:80", Options(pool), pool.Factory()));
  pool.SetDown("http://master:80", true);
  pool.SetMaster("http://member:80");  // the member was promoted
  ASSERT_OK_AND_ASSIGN(Value v, conn->Call("VM.get_name_label", {"OpaqueRef:vm"}));
  EXPECT_EQ(v, Value("seven"));
  EXPECT_EQ(conn->master_url(), "http://member:80");
}

TEST(ConnectionTest, WholePoolUnreachableIsUnavailable) {
  FakePool pool;
  ASSERT_OK_AND_ASSIGN(auto conn,
                       Connection::Open("http://master:80", Options(pool), pool.Factory()));
  pool.SetDown("http://master:80", true);
  pool.SetDown("http://member:80", true);
  EXPECT_STATUS(conn->Call("VM.get_name_label", {"OpaqueRef:vm"}), StatusCode::kUnavailable);
  pool.SetDown("http://master:80", false);
}

TEST(ConnectionTest, UrlWithUserInfoIsRefused) {
  FakePool pool;
  auto conn = Connection::Open("http://root:pw@master:80", Options(pool), pool.Factory());
  EXPECT_STATUS(conn, StatusCode::kInvalidArgument);
  EXPECT_EQ(conn.status().message().find("pw"), std::string::npos);
  EXPECT_NE(conn.status().message().find("credentials"), std::string::npos);
}

TEST(ConnectionTest, NeverLogsPasswordsOrSessionRefs) {
  FakePool pool;
  pool.On("VM.get_name_label", [](const Array&) -> Result<Value> { return Value(1); });
  std::string log;
  SetLogLevel(LogLevel::kDEBUG);
  std::string ref;
  {
    LogCapture capture;
    {
      ASSERT_OK_AND_ASSIGN(auto conn,
                           Connection::Open("http://member:80", Options(pool), pool.Factory()));
      pool.ExpireSessions();
      Status call = conn->Call("VM.get_name_label", {"OpaqueRef:vm"}).status();
      ASSERT_OK(call);
      ref = conn->session_ref();
    }
    log = capture.text();
  }
  SetLogLevel(LogLevel::kINFO);
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.find(pool.password), std::string::npos) << log;
  EXPECT_EQ(log.find(ref), std::string::npos) << log;
  EXPECT_EQ(log.find("OpaqueRef:session-1"), std::string::npos) << log;
}

// A pool whose host.get_all_records answers with a wrong type still logs in (fail-over is
// only disabled), and the warning gives the reason, never a bare "OK".
TEST(ConnectionTest, UnlistablePoolMembersAreWarnedAboutWithTheReason) {
  FakePool pool;
  pool.ints_as_i4 = true;
  pool.On("host.get_all_records", [](const Array&) -> Result<Value> { return Value(42); });
  std::string log;
  auto conn = [&] {
    LogCapture capture;
    auto c = Connection::Open("http://master:80", Options(pool), pool.Factory());
    log = capture.text();
    return c;
  }();
  ASSERT_OK(conn.status());
  EXPECT_TRUE((*conn)->pool_members().empty());
  EXPECT_NE(log.find("could not list the pool's hosts (fail-over disabled): corruption: "
                     "host.get_all_records: expected a struct of records, got an int (42)"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("disabled): OK"), std::string::npos) << log;

  // A host record whose address is not a string is refused too (it was skipped silently).
  pool.On("host.get_all_records", [](const Array&) -> Result<Value> {
    return Value(Struct{{"OpaqueRef:h", Value(Struct{{"address", Value(Array{})}})}});
  });
  LogCapture capture;
  auto again = Connection::Open("http://master:80", Options(pool), pool.Factory());
  ASSERT_OK(again.status());
  log = capture.text();
  EXPECT_NE(log.find("host.address: expected a string, got an array ([])"), std::string::npos)
      << log;
}

// Beast's fail_count idea: every request after the first N fails; each N must give either a
// clean success or an error Status (never a crash, never a half-done success).
TEST(ConnectionTest, FailAfterNWalksEveryErrorPath) {
  bool completed = false;
  for (int n = 0; n <= 20 && !completed; ++n) {
    SCOPED_TRACE("n = " + std::to_string(n));
    FakePool pool;
    pool.On("VM.snapshot", [](const Array& p) -> Result<Value> {
      if (p.size() != 2)
        return Status::Remote("MESSAGE_PARAMETER_COUNT_MISMATCH", {"VM.snapshot", "2", "3"});
      return Value("OpaqueRef:snap");
    });
    pool.On("VM.get_all_records", [](const Array&) -> Result<Value> {
      return Value(
          Struct{{"OpaqueRef:vm", Value(Struct{{"uuid", "u1"}, {"power_state", "Running"}})}});
    });
    auto conn = Connection::Open("http://member:80", Options(pool),
                                 FailAfterTransport::Factory(pool.Factory(), n));
    if (!conn.ok()) {
      EXPECT_EQ(conn.status().code(), StatusCode::kUnavailable) << conn.status().ToString();
      continue;
    }
    auto vms = GetAllRecords<VmRecord>(**conn);
    if (!vms.ok()) {
      EXPECT_EQ(vms.status().code(), StatusCode::kUnavailable) << vms.status().ToString();
      continue;
    }
    EXPECT_EQ(vms->at("OpaqueRef:vm").uuid, "u1");
    auto snap = VmSnapshot(**conn, "OpaqueRef:vm", "s", {});
    if (!snap.ok()) {
      EXPECT_EQ(snap.status().code(), StatusCode::kUnavailable) << snap.status().ToString();
      continue;
    }
    EXPECT_EQ(*snap, "OpaqueRef:snap");
    Status closed = (*conn)->Close();
    if (!closed.ok()) {
      EXPECT_EQ(closed.code(), StatusCode::kUnavailable);
      continue;
    }
    completed = true;
  }
  EXPECT_TRUE(completed) << "no budget up to 20 requests let the sequence finish";
}

}  // namespace
}  // namespace xcr::xapi
