// The XAPI client against the in-process simulator over real sockets on 127.0.0.1: login,
// HOST_IS_SLAVE redirects, session expiry, pinned TLS, and disk transfers (round trips whose
// content hash matches, a pipe to several targets, and transfers cut short by the simulator).
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "sim/server.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "xapi/api.h"
#include "xapi/connection.h"
#include "xapi/curl_transport.h"
#include "xapi/disk_transfer.h"
#include "xapi/http_url.h"
#include "xapi/tls.h"

namespace xcr::xapi {
namespace {

constexpr uint64_t kDisk = 64ull << 20;

// A Sink that keeps the stream in a file (never in memory) and counts bytes.
class FileSink : public Sink {
 public:
  explicit FileSink(std::string path) : path_(std::move(path)) {
    auto f = Env::Default()->NewWritableFile(path_, 0600);
    if (f.ok()) file_ = std::move(f).value();
  }
  Status Write(std::span<const uint8_t> data) override {
    bytes_ += data.size();
    return file_->Write(data);
  }
  Status Finish() override { return file_->Close(); }
  uint64_t bytes() const { return bytes_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  uint64_t bytes_ = 0;
};

class SimClientTest : public ::testing::Test {
 protected:
  void StartSim(bool https = false, int members = 0) {
    sim::Server::Options o;
    o.state_dir = dir_.File("sim");
    o.https = https;
    o.populate = 1;
    o.disk_size = kDisk;
    o.members = members;
    server_ = std::make_unique<sim::Server>(o);
    ASSERT_OK(server_->Start());
  }
  void TearDown() override {
    conn_.reset();
    if (server_) server_->Stop();
  }
  SessionOptions Options() {
    SessionOptions o;
    o.password = "xapi-sim";
    if (!server_->fingerprint().empty()) {
      auto fp = ParseFingerprint(server_->fingerprint());
      EXPECT_OK(fp.status());
      if (fp.ok()) o.tls = TlsTrust::Pinned(*fp);
    }
    return o;
  }
  void Connect() { ASSERT_OK_AND_ASSIGN(conn_, Connection::Open(server_->url(), Options())); }
  // The first disk of the first non-control VM.
  Result<VdiRecord> FirstDisk(Ref* ref) {
    XCR_ASSIGN_OR_RETURN(auto vms, GetAllRecords<VmRecord>(*conn_));
    for (const auto& [vref, vm] : vms) {
      if (vm.is_control_domain || vm.is_a_template) continue;
      for (const Ref& vbd_ref : vm.VBDs) {
        XCR_ASSIGN_OR_RETURN(VbdRecord vbd, GetRecord<VbdRecord>(*conn_, vbd_ref));
        if (vbd.type != "Disk" || vbd.VDI == kNullRef) continue;
        *ref = vbd.VDI;
        return GetRecord<VdiRecord>(*conn_, vbd.VDI);
      }
    }
    return Status::NotFound("no VM disk in the simulator");
  }
  Result<Ref> NewDisk(const VdiRecord& like, const std::string& name) {
    VdiSpec spec;
    spec.SR = like.SR;
    spec.virtual_size = like.virtual_size;
    spec.name_label = name;
    return VdiCreate(*conn_, spec);
  }
  // Calls a sim.* method; the Status by value.
  Status SimCall(const std::string& method, Array params) {
    Result<Value> r = conn_->Call(method, std::move(params));
    return r.ok() ? Status::OK() : r.status();
  }
  Result<std::string> Sha(const Ref& vdi) {
    XCR_ASSIGN_OR_RETURN(Value v, conn_->Call("sim.vdi_sha256", {vdi}));
    return v.AsString();
  }

  xcr::testing::TempDir dir_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<Connection> conn_;
};

TEST_F(SimClientTest, LogsInReadsRecordsAndLogsOut) {
  StartSim();
  Connect();
  ASSERT_OK_AND_ASSIGN(auto vms, GetAllRecords<VmRecord>(*conn_));
  EXPECT_GE(vms.size(), 1u);
  for (const auto& [ref, vm] : vms) EXPECT_FALSE(vm.raw.empty());
  ASSERT_OK_AND_ASSIGN(auto hosts, GetAllRecords<HostRecord>(*conn_));
  EXPECT_GE(hosts.size(), 1u);
  ASSERT_OK_AND_ASSIGN(auto pools, GetAllRecords<PoolRecord>(*conn_));
  EXPECT_EQ(pools.size(), 1u);
  std::string session = conn_->session_ref();
  ASSERT_OK(conn_->Close());
  CurlTransport t(server_->url(), TlsTrust::SystemCa());
  auto old = InvokeXmlRpc(t, "VM.get_all", {session});
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().error_name(), "SESSION_INVALID");
}

TEST_F(SimClientTest, WrongPasswordIsRefused) {
  StartSim();
  SessionOptions o = Options();
  o.password = "not-the-password";
  auto c = Connection::Open(server_->url(), o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().error_name(), "SESSION_AUTHENTICATION_FAILED");
  EXPECT_EQ(c.status().ToString().find("not-the-password"), std::string::npos);
}

// Logging in at a member follows HOST_IS_SLAVE to the master. (The simulator's hosts share
// 127.0.0.1 on distinct ports, so its HOST_IS_SLAVE names "127.0.0.1:PORT"; a real member names
// the master's address and the port is kept.)
TEST_F(SimClientTest, MemberRedirectsToTheMaster) {
  StartSim(/*https=*/false, /*members=*/1);
  ASSERT_EQ(server_->member_urls().size(), 1u);
  std::vector<std::string> opened;
  TransportFactory net = [&](const std::string& url) -> Result<std::unique_ptr<Transport>> {
    opened.push_back(url);
    return std::unique_ptr<Transport>(std::make_unique<CurlTransport>(url, TlsTrust::SystemCa()));
  };
  SessionOptions o = Options();
  o.learn_pool_members = false;
  ASSERT_OK_AND_ASSIGN(conn_, Connection::Open(server_->member_urls()[0], o, net));
  EXPECT_EQ(conn_->master_url(), server_->url());
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[0], server_->member_urls()[0]);
  EXPECT_EQ(opened[1], server_->url());
  auto vms = GetAllRecords<VmRecord>(*conn_);
  EXPECT_OK(Status(vms.status()));
}

TEST_F(SimClientTest, ExpiredSessionIsRenewedTransparently) {
  StartSim();
  Connect();
  ASSERT_OK(SimCall("sim.fault_expire_sessions", {}));
  ASSERT_OK_AND_ASSIGN(auto vms, GetAllRecords<VmRecord>(*conn_));
  EXPECT_GE(vms.size(), 1u);
  EXPECT_EQ(conn_->login_count(), 2);
}

TEST_F(SimClientTest, HttpsWithPinnedFingerprint) {
  StartSim(/*https=*/true);
  ASSERT_FALSE(server_->fingerprint().empty());
  Connect();
  EXPECT_OK(Status(GetAllRecords<VmRecord>(*conn_).status()));
  SessionOptions wrong = Options();
  wrong.tls.pin[5] ^= 0x5A;
  auto c = Connection::Open(server_->url(), wrong);
  EXPECT_STATUS(c, StatusCode::kPermissionDenied);
  SessionOptions ca = Options();
  ca.tls = TlsTrust::SystemCa();
  EXPECT_STATUS(Connection::Open(server_->url(), ca), StatusCode::kPermissionDenied);
}

TEST_F(SimClientTest, ExportImportRoundTripKeepsContent) {
  StartSim(/*https=*/true);
  Connect();
  Ref src;
  ASSERT_OK_AND_ASSIGN(VdiRecord disk, FirstDisk(&src));
  ASSERT_OK(SimCall("sim.write_random", {src, "0", std::to_string(6 << 20), "7"}));
  ASSERT_OK(
      conn_->Call("sim.write_random", {src, std::to_string(40 << 20), std::to_string(1 << 20), "8"})
          .status());
  FileSink sink(dir_.File("disk.vhd"));
  uint64_t last_progress = 0;
  TransferOptions opts;
  opts.progress = [&](const TransferProgress& p) { last_progress = p.bytes; };
  ASSERT_OK_AND_ASSIGN(uint64_t n, ExportVdi(*conn_, src, "", sink, opts));
  EXPECT_EQ(n, sink.bytes());
  EXPECT_EQ(last_progress, n);
  EXPECT_LT(n, kDisk);  // sparse: only written blocks travel

  ASSERT_OK_AND_ASSIGN(Ref dst, NewDisk(disk, "copy"));
  ASSERT_OK_AND_ASSIGN(auto file, Env::Default()->NewSequentialFile(sink.path()));
  ASSERT_OK(ImportVdi(*conn_, dst, *file, n));
  ASSERT_OK_AND_ASSIGN(std::string a, Sha(src));
  ASSERT_OK_AND_ASSIGN(std::string b, Sha(dst));
  EXPECT_EQ(a, b);
}

TEST_F(SimClientTest, PipeToThreeTargetsKeepsContent) {
  StartSim();
  Connect();
  Ref src;
  ASSERT_OK_AND_ASSIGN(VdiRecord disk, FirstDisk(&src));
  ASSERT_OK(SimCall("sim.write_random", {src, "0", std::to_string(10 << 20), "3"}));
  std::vector<PipeTarget> targets;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Ref dst, NewDisk(disk, "t" + std::to_string(i)));
    targets.push_back({conn_.get(), dst});
  }
  TransferOptions opts;
  opts.chunk_size = 256 << 10;
  opts.ring_chunks = 4;  // a small ring: backpressure is exercised
  PipeResult r = PipeVdi(*conn_, src, "", targets, opts);
  ASSERT_OK(r.source);
  ASSERT_OK_AND_ASSIGN(std::string want, Sha(src));
  for (size_t i = 0; i < targets.size(); ++i) {
    ASSERT_OK(r.targets[i]) << "target " << i;
    ASSERT_OK_AND_ASSIGN(std::string got, Sha(targets[i].vdi));
    EXPECT_EQ(got, want) << "target " << i;
  }
}

TEST_F(SimClientTest, TransfersSentToAMemberFollowItsRedirect) {
  StartSim(/*https=*/false, /*members=*/1);
  Connect();
  Ref src;
  ASSERT_OK_AND_ASSIGN(VdiRecord disk, FirstDisk(&src));
  ASSERT_OK(SimCall("sim.write_random", {src, "0", std::to_string(3 << 20), "21"}));
  TransferOptions via_member;
  via_member.host_url = server_->member_urls()[0];
  FileSink sink(dir_.File("m.vhd"));
  ASSERT_OK_AND_ASSIGN(uint64_t n, ExportVdi(*conn_, src, "", sink, via_member));
  ASSERT_OK_AND_ASSIGN(Ref dst, NewDisk(disk, "via-member"));
  ASSERT_OK_AND_ASSIGN(auto file, Env::Default()->NewSequentialFile(sink.path()));
  ASSERT_OK(ImportVdi(*conn_, dst, *file, n, via_member));
  ASSERT_OK_AND_ASSIGN(std::string a, Sha(src));
  ASSERT_OK_AND_ASSIGN(std::string b, Sha(dst));
  EXPECT_EQ(a, b);
}

TEST_F(SimClientTest, BandwidthLimitAndCancellation) {
  StartSim();
  Connect();
  Ref src;
  ASSERT_OK_AND_ASSIGN(VdiRecord disk, FirstDisk(&src));
  ASSERT_OK(SimCall("sim.write_random", {src, "0", std::to_string(6 << 20), "31"}));
  TransferOptions limited;
  limited.max_bytes_per_sec = 8 << 20;
  int reports = 0;
  limited.progress = [&](const TransferProgress&) { ++reports; };
  FileSink sink(dir_.File("slow.vhd"));
  uint64_t t0 = Env::Default()->NowMicros();
  ASSERT_OK_AND_ASSIGN(uint64_t n, ExportVdi(*conn_, src, "", sink, limited));
  double secs = static_cast<double>(Env::Default()->NowMicros() - t0) / 1e6;
  EXPECT_GT(n, uint64_t{6} << 20);
  EXPECT_GE(secs, 0.5) << "6+ MiB at 8 MiB/s";
  EXPECT_GE(reports, 1);

  std::atomic<bool> cancel{false};
  TransferOptions slow;
  slow.max_bytes_per_sec = 1 << 20;
  slow.cancel = &cancel;
  std::thread canceller([&] {
    Env::Default()->SleepForMicros(300'000);
    cancel = true;
  });
  FileSink cut(dir_.File("cancel.vhd"));
  t0 = Env::Default()->NowMicros();
  auto r = ExportVdi(*conn_, src, "", cut, slow);
  secs = static_cast<double>(Env::Default()->NowMicros() - t0) / 1e6;
  canceller.join();
  EXPECT_STATUS(r, StatusCode::kCancelled);
  EXPECT_LT(secs, 3.0);
}

TEST_F(SimClientTest, CutExportIsAnErrorAtRandomOffsets) {
  StartSim();
  Connect();
  Ref src;
  ASSERT_OK_AND_ASSIGN(VdiRecord disk, FirstDisk(&src));
  ASSERT_OK(SimCall("sim.write_random", {src, "0", std::to_string(8 << 20), "5"}));
  FileSink full(dir_.File("full.vhd"));
  ASSERT_OK_AND_ASSIGN(uint64_t total, ExportVdi(*conn_, src, "", full));
  std::mt19937_64 rng(42);
  for (int i = 0; i < 4; ++i) {
    uint64_t cut = rng() % total;
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(total));
    ASSERT_OK(SimCall("sim.fault_cut_transfer", {"export", std::to_string(cut)}));
    FileSink sink(dir_.File("cut.vhd"));
    auto r = ExportVdi(*conn_, src, "", sink);
    ASSERT_FALSE(r.ok());
    // The host's reason, from its task, not just "ended early".
    EXPECT_EQ(r.status().error_name(), "VDI_IO_ERROR") << r.status().ToString();
  }
  // Nothing is left pending: no task of ours survives.
  ASSERT_OK_AND_ASSIGN(auto tasks, GetAllRecords<TaskRecord>(*conn_));
  for (const auto& [ref, t] : tasks) EXPECT_NE(t.status, "pending") << t.name_label;
}

TEST_F(SimClientTest, CutImportIsAnErrorAndOnePipeTargetFailingSparesTheOthers) {
  StartSim();
  Connect();
  Ref src;
  ASSERT_OK_AND_ASSIGN(VdiRecord disk, FirstDisk(&src));
  ASSERT_OK(SimCall("sim.write_random", {src, "0", std::to_string(8 << 20), "9"}));
  FileSink full(dir_.File("full.vhd"));
  ASSERT_OK_AND_ASSIGN(uint64_t total, ExportVdi(*conn_, src, "", full));
  ASSERT_OK_AND_ASSIGN(Ref dst, NewDisk(disk, "cut"));
  ASSERT_OK(SimCall("sim.fault_cut_transfer", {"import", std::to_string(total / 2)}));
  ASSERT_OK_AND_ASSIGN(auto file, Env::Default()->NewSequentialFile(full.path()));
  Status cut = ImportVdi(*conn_, dst, *file, total);
  EXPECT_EQ(cut.error_name(), "VDI_IO_ERROR") << cut.ToString();  // the host's reason
  EXPECT_NE(cut.ToString().find("import cut"), std::string::npos) << cut.ToString();

  std::vector<PipeTarget> targets;
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Ref t, NewDisk(disk, "p" + std::to_string(i)));
    targets.push_back({conn_.get(), t});
  }
  ASSERT_OK(SimCall("sim.fault_cut_transfer", {"import", std::to_string(total / 3)}));
  PipeResult r = PipeVdi(*conn_, src, "", targets);
  ASSERT_OK(r.source);
  int ok = 0;
  ASSERT_OK_AND_ASSIGN(std::string want, Sha(src));
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!r.targets[i].ok()) {
      EXPECT_EQ(r.targets[i].error_name(), "VDI_IO_ERROR") << r.targets[i].ToString();
      continue;
    }
    ++ok;
    ASSERT_OK_AND_ASSIGN(std::string got, Sha(targets[i].vdi));
    EXPECT_EQ(got, want);
  }
  EXPECT_EQ(ok, 1);
  EXPECT_TRUE(r.any_succeeded());
}

TEST_F(SimClientTest, CutPipeSourceMarksNoTargetSuccessful) {
  StartSim();
  Connect();
  Ref src;
  ASSERT_OK_AND_ASSIGN(VdiRecord disk, FirstDisk(&src));
  ASSERT_OK(SimCall("sim.write_random", {src, "0", std::to_string(8 << 20), "11"}));
  std::vector<PipeTarget> targets;
  for (int i = 0; i < 2; ++i) {
    ASSERT_OK_AND_ASSIGN(Ref t, NewDisk(disk, "q" + std::to_string(i)));
    targets.push_back({conn_.get(), t});
  }
  ASSERT_OK(SimCall("sim.fault_cut_transfer", {"export", std::to_string(3 << 20)}));
  PipeResult r = PipeVdi(*conn_, src, "", targets);
  EXPECT_FALSE(r.source.ok());
  for (const Status& s : r.targets) EXPECT_FALSE(s.ok());
  EXPECT_FALSE(r.any_succeeded());
}

}  // namespace
}  // namespace xcr::xapi
