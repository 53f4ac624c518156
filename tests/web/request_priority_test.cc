// LowPriorityHandler: the request runs on its thread at the nice value it had plus the
// increment (at most 19), and nothing else changes: other threads keep theirs, the inner
// handler gets every call with its answer passed back.
#include "web/request_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include <gtest/gtest.h>

namespace xcr::web {
namespace {

int ThisThreadNice() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())); }

class NiceRecorder : public net::HttpHandler {
 public:
  bool IsStreaming(const net::HttpRequest& req) override {
    streaming_nice = ThisThreadNice();
    return req.path == "/stream";
  }
  net::HttpResponse Handle(const net::HttpRequest& req) override {
    handle_nice = ThisThreadNice();
    net::HttpResponse r;
    r.status = 201;
    r.body = "handled " + req.path;
    return r;
  }
  void Stream(const net::HttpRequest&, net::HttpConnection&) override {}
  int streaming_nice = -100;
  int handle_nice = -100;
};

TEST(LowPriorityHandlerTest, RequestRunsAtTheLowerPriorityOnItsOwnThreadOnly) {
  const int before = ThisThreadNice();
  const int lowered = std::min(before + 7, 19);
  NiceRecorder inner;
  LowPriorityHandler handler(&inner, 7);
  net::HttpRequest req;
  req.method = "GET";
  req.path = "/api/status";
  net::HttpResponse got;
  bool streaming = true;
  int after_on_thread = -100;
  std::thread connection([&] {
    streaming = handler.IsStreaming(req);
    got = handler.Handle(req);
    after_on_thread = ThisThreadNice();
  });
  connection.join();
  EXPECT_FALSE(streaming);
  EXPECT_EQ(got.status, 201);
  EXPECT_EQ(got.body, "handled /api/status");
  // A new thread starts at its creator's value; lowered before the first call reached the handler.
  EXPECT_EQ(inner.streaming_nice, lowered);
  EXPECT_EQ(inner.handle_nice, lowered);
  EXPECT_EQ(after_on_thread, lowered);
  EXPECT_EQ(ThisThreadNice(), before);  // the calling test's thread is untouched
}

TEST(LowPriorityHandlerTest, IncrementIsCountedFromTheThreadsValueUpTo19) {
  NiceRecorder inner;
  LowPriorityHandler handler(&inner, 10);
  net::HttpRequest req;
  req.path = "/api/status";
  // Only ever raised here (lowering a nice value needs privileges the test may not have).
  int start = -100;
  int first = -100;
  std::thread renice([&] {
    start = std::max(ThisThreadNice(), 5);
    ASSERT_EQ(::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), start), 0);
    (void)handler.Handle(req);
    first = inner.handle_nice;
  });
  renice.join();
  EXPECT_EQ(first, std::min(start + 10, 19));
  std::thread capped([&] {
    ASSERT_EQ(
        ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), std::max(ThisThreadNice(), 12)),
        0);
    (void)handler.Handle(req);
  });
  capped.join();
  EXPECT_EQ(inner.handle_nice, 19);
}

}  // namespace
}  // namespace xcr::web
