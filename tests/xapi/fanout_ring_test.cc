// FanoutRing: every consumer reads every byte in order, the producer never overwrites what the
// slowest live consumer has not read, the ring grows before Start, and each way of stopping
// (every target dropped, an observer's abort, cancel, the export's error) says what it is.
#include "xapi/fanout_ring.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "tests/testutil/status_matchers.h"

namespace xcr::xapi {
namespace {

uint8_t PatternByte(uint64_t i) { return static_cast<uint8_t>((i * 7 + i / 251) & 0xff); }

// Writes `n` pattern bytes starting at byte `from`; returns the status of the first failed wait.
Status Produce(FanoutRing& ring, uint64_t from, uint64_t n) {
  uint64_t done = 0;
  while (done < n) {
    XCR_ASSIGN_OR_RETURN(std::span<uint8_t> space, ring.WriteSpace());
    size_t k = static_cast<size_t>(std::min<uint64_t>(space.size(), n - done));
    for (size_t j = 0; j < k; ++j) space[j] = PatternByte(from + done + j);
    ring.CommitWrite(k);
    done += k;
  }
  return Status::OK();
}

// Reads consumer `id` to the end, in pieces of at most `max`; true when every byte matched.
bool ConsumeAll(FanoutRing& ring, size_t id, size_t max, uint64_t* count) {
  uint64_t pos = 0;
  for (;;) {
    Result<std::span<const uint8_t>> got = ring.Peek(id, max);
    if (!got.ok()) return false;
    if (got->empty()) break;
    for (size_t j = 0; j < got->size(); ++j) {
      if ((*got)[j] != PatternByte(pos + j)) return false;
    }
    pos += got->size();
    ring.Consume(id, got->size());
  }
  *count = pos;
  return true;
}

TEST(FanoutRingTest, EveryConsumerReadsEveryByteInOrderThroughASmallRing) {
  constexpr uint64_t kTotal = 100'000;
  FanoutRing ring(/*capacity=*/64, /*targets=*/2, /*observers=*/1, /*observer_batch=*/16, nullptr);
  ring.Start(kTotal);
  ASSERT_OK_AND_ASSIGN(uint64_t length, ring.WaitStart());
  EXPECT_EQ(length, kTotal);
  std::vector<uint64_t> counts(3, 0);
  std::vector<int> ok(3, 0);
  std::vector<std::thread> consumers;
  for (size_t id = 0; id < 3; ++id) {
    // Different piece sizes, so the consumers run at different paces.
    consumers.emplace_back([&, id] { ok[id] = ConsumeAll(ring, id, 3 + id * 11, &counts[id]); });
  }
  Status produced = Produce(ring, 0, kTotal);
  ring.Close(produced);
  for (auto& t : consumers) t.join();
  ASSERT_OK(produced);
  for (size_t id = 0; id < 3; ++id) {
    EXPECT_TRUE(ok[id]) << "consumer " << id << " saw a byte out of place";
    EXPECT_EQ(counts[id], kTotal) << "consumer " << id;
    EXPECT_EQ(ring.Position(id), kTotal);
  }
}

TEST(FanoutRingTest, GrowsBeforeStartSoTheHeaderIsKeptWhole) {
  FanoutRing ring(16, 1, 0, 1, nullptr);
  ASSERT_OK(Produce(ring, 0, 40));  // more than the ring holds: nobody reads before Start
  ring.Start(40);
  ring.Close(Status::OK());
  uint64_t count = 0;
  EXPECT_TRUE(ConsumeAll(ring, 0, 1024, &count));
  EXPECT_EQ(count, 40u);
}

TEST(FanoutRingTest, EveryTargetDroppedStopsTheProducerAndSaysSo) {
  FanoutRing ring(16, 2, 1, 4, nullptr);
  ring.Start(1000);
  ring.Drop(0);
  ASSERT_OK(Produce(ring, 0, 8));  // one target left
  ring.Drop(1);                    // the observer alone does not keep the export going
  Status s = Produce(ring, 8, 8);
  EXPECT_STATUS(s, StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("every target failed"), std::string::npos) << s.ToString();
  EXPECT_TRUE(ring.StoppedByTargets());
}

TEST(FanoutRingTest, ObserverAbortStopsTheProducerWithItsReason) {
  FanoutRing ring(16, 1, 1, 4, nullptr);
  ring.Start(1000);
  ring.Abort(1, Status::IOError("digest sink full"));
  Status s = Produce(ring, 0, 4);
  EXPECT_STATUS(s, StatusCode::kIOError);
  EXPECT_EQ(s.message(), "digest sink full");
  EXPECT_FALSE(ring.StoppedByTargets());
}

TEST(FanoutRingTest, CancelEndsEveryWait) {
  std::atomic<bool> cancel{false};
  FanoutRing ring(16, 1, 0, 1, &cancel);
  std::thread waiter([&] { EXPECT_STATUS(ring.WaitStart(), StatusCode::kCancelled); });
  cancel.store(true);  // the waiter re-checks the flag within 200 ms
  waiter.join();
  EXPECT_STATUS(ring.WriteSpace(), StatusCode::kCancelled);
}

TEST(FanoutRingTest, ExportErrorReachesConsumersBeforeAndAfterStart) {
  FanoutRing before(16, 1, 0, 1, nullptr);
  before.Close(Status::IOError("export cut"));
  Result<uint64_t> start = before.WaitStart();
  EXPECT_STATUS(start, StatusCode::kIOError);
  EXPECT_NE(start.status().message().find("source export failed"), std::string::npos);

  FanoutRing after(16, 1, 0, 1, nullptr);
  after.Start(100);
  ASSERT_OK(Produce(after, 0, 5));
  after.Close(Status::IOError("export cut"));
  ASSERT_OK_AND_ASSIGN(auto first, after.Peek(0, 100));
  EXPECT_EQ(first.size(), 5u);  // what arrived is still read
  after.Consume(0, first.size());
  EXPECT_STATUS(after.Peek(0, 100), StatusCode::kIOError);

  FanoutRing empty(16, 1, 0, 1, nullptr);
  empty.Close(Status::OK());
  EXPECT_STATUS(empty.WaitStart(), StatusCode::kInternal);  // ended before its length was known
}

TEST(FanoutRingTest, ObserverWaitsForABatchUnlessTheStreamEnded) {
  FanoutRing ring(64, 1, 1, 8, nullptr);
  ring.Start(12);
  ASSERT_OK(Produce(ring, 0, 12));
  ASSERT_OK_AND_ASSIGN(auto batch, ring.Peek(1, 100));
  EXPECT_EQ(batch.size(), 12u);  // a batch (8) was there: it gets all there is
  ring.Consume(1, 12);
  ring.Close(Status::OK());
  ASSERT_OK_AND_ASSIGN(auto end, ring.Peek(1, 100));
  EXPECT_TRUE(end.empty());
}

}  // namespace
}  // namespace xcr::xapi
