// PipeVdi and ExportVdi extras against the in-process simulator: the export observer
// (TransferOptions::observer) sees every byte of the export exactly once, through ExportVdi and
// through PipeVdi's ring (a small ring, so its reads wrap around), and an observer error fails
// the transfer and every target; PipeVdi's progress reports each target and its final state.
#include <gtest/gtest.h>

#include "sim/server.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "xapi/api.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"

namespace xcr::xapi {
namespace {

constexpr uint64_t kDisk = 64ull << 20;

// Counts and hashes (FNV-1a, 64 bit) the bytes it is fed; fails after `fail_after` bytes or at
// Finish when asked to.
class RecordingSink : public Sink {
 public:
  Status Write(std::span<const uint8_t> data) override {
    if (finished_) return Status::Internal("write after Finish");
    if (bytes_ + data.size() > fail_after) return Status::Corruption("observer refuses");
    for (uint8_t b : data) hash_ = (hash_ ^ b) * 1099511628211ull;
    bytes_ += data.size();
    ++writes_;
    return Status::OK();
  }
  Status Finish() override {
    ++finishes_;
    finished_ = true;
    return fail_at_finish ? Status::Corruption("observer refuses at the end") : Status::OK();
  }
  uint64_t bytes() const { return bytes_; }
  uint64_t hash() const { return hash_; }
  int finishes() const { return finishes_; }
  uint64_t writes() const { return writes_; }

  uint64_t fail_after = UINT64_MAX;
  bool fail_at_finish = false;

 private:
  uint64_t bytes_ = 0;
  uint64_t hash_ = 1469598103934665603ull;
  uint64_t writes_ = 0;
  int finishes_ = 0;
  bool finished_ = false;
};

// A Source that counts its reads and gives zeros.
class BufferSource : public Source {
 public:
  Result<size_t> Read(std::span<uint8_t> buf) override {
    ++reads;
    std::fill(buf.begin(), buf.end(), 0);
    return buf.size();
  }
  int reads = 0;
};

class DiskTransferObserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::Server::Options o;
    o.state_dir = dir_.File("sim");
    o.populate = 1;
    o.disk_size = kDisk;
    server_ = std::make_unique<sim::Server>(o);
    ASSERT_OK(server_->Start());
    SessionOptions so;
    so.password = "xapi-sim";
    ASSERT_OK_AND_ASSIGN(conn_, Connection::Open(server_->url(), so));
    ASSERT_OK_AND_ASSIGN(auto vdis, GetAllRecords<VdiRecord>(*conn_));
    for (const auto& [ref, v] : vdis) {
      if (v.type != "system" && v.virtual_size == static_cast<int64_t>(kDisk)) {
        src_ = ref;
        disk_ = v;
      }
    }
    ASSERT_FALSE(src_.empty());
    ASSERT_OK(conn_->Call("sim.write_random", {src_, "0", std::to_string(9 << 20), "5"}).status());
  }
  void TearDown() override {
    conn_.reset();
    if (server_) server_->Stop();
  }
  std::vector<PipeTarget> Targets(int n) {
    std::vector<PipeTarget> out;
    for (int i = 0; i < n; ++i) {
      VdiSpec spec;
      spec.SR = disk_.SR;
      spec.virtual_size = disk_.virtual_size;
      spec.name_label = "t" + std::to_string(i);
      auto ref = VdiCreate(*conn_, spec);
      EXPECT_OK(ref.status());
      if (ref.ok()) out.push_back({conn_.get(), *ref});
    }
    return out;
  }
  TransferOptions SmallRing() {
    TransferOptions o;
    o.chunk_size = 256 << 10;
    o.ring_chunks = 3;  // 768 KiB: the observer's in-place reads wrap many times
    return o;
  }

  xcr::testing::TempDir dir_;
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<Connection> conn_;
  Ref src_;
  VdiRecord disk_;
};

TEST_F(DiskTransferObserverTest, SeesEveryExportedByteOnceThroughExportAndPipe) {
  RecordingSink plain;  // the stream itself, as ExportVdi's sink
  ASSERT_OK_AND_ASSIGN(uint64_t n, ExportVdi(*conn_, src_, "", plain));
  ASSERT_GT(n, 9u << 20);

  RecordingSink tap, sink;
  TransferOptions o;
  o.observer = &tap;
  ASSERT_OK_AND_ASSIGN(uint64_t n2, ExportVdi(*conn_, src_, "", sink, o));
  EXPECT_EQ(n2, n);
  EXPECT_EQ(tap.bytes(), n);
  EXPECT_EQ(tap.hash(), plain.hash());
  EXPECT_EQ(tap.finishes(), 1);

  RecordingSink piped;
  TransferOptions po = SmallRing();
  po.observer = &piped;
  std::vector<PipeTarget> targets = Targets(2);
  PipeResult r = PipeVdi(*conn_, src_, "", targets, po);
  ASSERT_OK(r.source);
  for (const Status& s : r.targets) EXPECT_OK(s);
  EXPECT_EQ(r.bytes, n);
  EXPECT_EQ(piped.bytes(), n);
  EXPECT_EQ(piped.hash(), plain.hash());
  EXPECT_EQ(piped.finishes(), 1);
  EXPECT_GT(piped.writes(), n / (256 << 10));  // read in ring-sized pieces, in place
  ASSERT_OK_AND_ASSIGN(Value want, conn_->Call("sim.vdi_sha256", {src_}));
  for (const PipeTarget& t : targets) {
    ASSERT_OK_AND_ASSIGN(Value got, conn_->Call("sim.vdi_sha256", {t.vdi}));
    EXPECT_EQ(got.string(), want.string());
  }
}

TEST_F(DiskTransferObserverTest, ObserverErrorFailsExportAndEveryPipeTarget) {
  RecordingSink sink;
  RecordingSink bad;
  bad.fail_after = 3 << 20;
  TransferOptions o;
  o.observer = &bad;
  Result<uint64_t> e = ExportVdi(*conn_, src_, "", sink, o);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().ToString().find("export observer"), std::string::npos)
      << e.status().ToString();

  for (bool at_finish : {false, true}) {
    SCOPED_TRACE(at_finish ? "fails at Finish" : "fails mid-stream");
    RecordingSink tap;
    if (at_finish) {
      tap.fail_at_finish = true;
    } else {
      tap.fail_after = 3 << 20;
    }
    TransferOptions po = SmallRing();
    po.observer = &tap;
    PipeResult r = PipeVdi(*conn_, src_, "", Targets(2), po);
    EXPECT_FALSE(r.source.ok());
    EXPECT_NE(r.source.ToString().find("export observer"), std::string::npos)
        << r.source.ToString();
    ASSERT_EQ(r.targets.size(), 2u);
    for (const Status& s : r.targets) EXPECT_FALSE(s.ok());
    EXPECT_FALSE(r.any_succeeded());
  }
  // Nothing is left pending: no task of ours survives.
  ASSERT_OK_AND_ASSIGN(auto tasks, GetAllRecords<TaskRecord>(*conn_));
  for (const auto& [ref, t] : tasks) EXPECT_NE(t.status, "pending") << t.name_label;
}

TEST_F(DiskTransferObserverTest, PipeProgressReportsEachTargetAndItsFinalState) {
  std::vector<PipeTarget> targets = Targets(2);
  targets[0].label = "first";
  targets[1].label = "second";
  // The second import is cut short: that target fails, the other finishes.
  RecordingSink plain;
  ASSERT_OK_AND_ASSIGN(uint64_t n, ExportVdi(*conn_, src_, "", plain));
  ASSERT_OK(conn_->Call("sim.fault_cut_transfer", {"import", std::to_string(n / 2)}).status());
  std::vector<TransferProgress> reports;
  TransferOptions o = SmallRing();
  o.progress = [&](const TransferProgress& p) { reports.push_back(p); };
  PipeResult r = PipeVdi(*conn_, src_, "", targets, o);
  ASSERT_OK(r.source);
  ASSERT_FALSE(reports.empty());
  const TransferProgress& last = reports.back();
  EXPECT_EQ(last.total, n);
  ASSERT_EQ(last.targets.size(), 2u);
  int done = 0, failed = 0;
  for (size_t i = 0; i < 2; ++i) {
    const TargetProgress& t = last.targets[i];
    EXPECT_EQ(t.label, targets[i].label);
    if (r.targets[i].ok()) {
      ++done;
      EXPECT_EQ(t.state, TargetProgress::State::kDone);
      EXPECT_EQ(t.bytes, n);
    } else {
      ++failed;
      EXPECT_EQ(t.state, TargetProgress::State::kFailed);
      EXPECT_LT(t.bytes, n);
    }
  }
  EXPECT_EQ(done, 1);
  EXPECT_EQ(failed, 1);
  // Every report carries every target, with bytes that never go back.
  for (size_t k = 1; k < reports.size(); ++k) {
    ASSERT_EQ(reports[k].targets.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_GE(reports[k].targets[i].bytes, reports[k - 1].targets[i].bytes);
    }
  }
}

// A disk whose BAT alone (600 KiB for 300 GiB) is larger than the pipe's ring (512 KiB): the
// ring grows until the header and BAT are in (the targets need the stream's length before they
// start), then the stream moves through it as usual.
TEST_F(DiskTransferObserverTest, PipeRingGrowsToHoldALargeBat) {
  constexpr int64_t kBig = 300ll << 30;
  ASSERT_OK(VdiResize(*conn_, src_, kBig));
  disk_.virtual_size = kBig;
  std::vector<PipeTarget> targets = Targets(2);
  TransferOptions o;
  o.chunk_size = 256 << 10;
  o.ring_chunks = 2;
  PipeResult r = PipeVdi(*conn_, src_, "", targets, o);
  ASSERT_OK(r.source);
  for (const Status& s : r.targets) EXPECT_OK(s);
  EXPECT_GT(r.bytes, (9u << 20) + (600u << 10));
  // Hashing 300 GiB is too slow for a test: compare the written data and a range past it.
  for (uint64_t off :
       {uint64_t{0}, uint64_t{4} << 20, (uint64_t{9} << 20) - 4096, uint64_t{200} << 30}) {
    Array at = {src_, std::to_string(off), std::to_string(64 << 10)};
    ASSERT_OK_AND_ASSIGN(Value want, conn_->Call("sim.read", at));
    ASSERT_FALSE(want.string().empty());
    for (const PipeTarget& t : targets) {
      at[0] = t.vdi;
      ASSERT_OK_AND_ASSIGN(Value got, conn_->Call("sim.read", at));
      EXPECT_EQ(got.string(), want.string()) << "offset " << off;
    }
  }
}

// The targets get ready (task, redirect probe) before the export's length is known; an export
// that fails before that leaves every target failed with the export's error, and no import task
// behind on the target.
TEST_F(DiskTransferObserverTest, ExportFailingBeforeItsLengthFailsEveryTargetAndLeavesNoTask) {
  std::vector<PipeTarget> targets = Targets(2);
  PipeResult r = PipeVdi(*conn_, "OpaqueRef:no-such-vdi", "", targets, SmallRing());
  ASSERT_FALSE(r.source.ok());
  EXPECT_NE(r.source.message().find("HTTP 500"), std::string::npos) << r.source.ToString();
  ASSERT_EQ(r.targets.size(), 2u);
  for (const Status& t : r.targets) {
    EXPECT_FALSE(t.ok());
    EXPECT_NE(t.message().find("source export failed"), std::string::npos) << t.ToString();
  }
  EXPECT_EQ(r.bytes, 0u);
  ASSERT_OK_AND_ASSIGN(auto tasks, GetAllRecords<TaskRecord>(*conn_));
  for (const auto& [ref, task] : tasks) {
    EXPECT_NE(task.name_label.rfind("xcr import", 0), 0u) << task.name_label << " left behind";
  }
}

// An import the host refuses (an unknown VDI) fails at the redirect probe, before any data is
// sent, with the host's status and answer in the message.
TEST_F(DiskTransferObserverTest, ImportRefusedByTheHostFailsBeforeSendingData) {
  RecordingSink plain;
  ASSERT_OK_AND_ASSIGN(uint64_t n, ExportVdi(*conn_, src_, "", plain));
  BufferSource never_read;  // counts reads: none may happen
  Status s = ImportVdi(*conn_, "OpaqueRef:no-such-vdi", never_read, n);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("before any data was sent"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 500"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("HANDLE_INVALID"), std::string::npos) << s.ToString();
  EXPECT_EQ(never_read.reads, 0);
}

}  // namespace
}  // namespace xcr::xapi
