// LowPriorityHandler: the request runs on its thread at the configured nice value (never
// raising a thread already lower), and nothing else changes: other threads keep theirs, the
// inner handler gets every call with its answer passed back.
#include "web/request_priority.h"

#include <sys/resource.h>
#include <unistd.h>

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
  ASSERT_LT(before, 7) << "the test needs a thread that can be lowered to 7";
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
  EXPECT_EQ(inner.streaming_nice, 7);  // lowered before the first call reached the handler
  EXPECT_EQ(inner.handle_nice, 7);
  EXPECT_EQ(after_on_thread, 7);
  EXPECT_EQ(ThisThreadNice(), before);  // the calling test's thread is untouched
}

TEST(LowPriorityHandlerTest, ThreadAlreadyLowerKeepsItsPriority) {
  NiceRecorder inner;
  LowPriorityHandler handler(&inner, 3);
  net::HttpRequest req;
  req.path = "/api/status";
  std::thread connection([&] {
    ASSERT_EQ(::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 12), 0);
    (void)handler.Handle(req);
  });
  connection.join();
  EXPECT_EQ(inner.handle_nice, 12);
}

}  // namespace
}  // namespace xcr::web
