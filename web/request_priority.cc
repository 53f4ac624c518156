#include "web/request_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/logging.h"

namespace xcr::web {
namespace {

thread_local bool lowered = false;
std::atomic<bool> warned{false};

}  // namespace

void LowPriorityHandler::LowerThisThread() {
  if (lowered) return;
  lowered = true;
  const id_t tid = static_cast<id_t>(::gettid());
  errno = 0;
  int now = ::getpriority(PRIO_PROCESS, tid);
  if (now == -1 && errno != 0) now = 0;
  const int want = std::min(now + increment_, 19);
  if (want <= now) return;
  if (::setpriority(PRIO_PROCESS, tid, want) != 0 && !warned.exchange(true)) {
    XCR_LOG(WARN) << "web: could not lower the priority of request threads to nice " << want << ": "
                  << std::strerror(errno) << " (requests compete with replications)";
  }
}

bool LowPriorityHandler::IsStreaming(const net::HttpRequest& req) {
  LowerThisThread();
  return inner_->IsStreaming(req);
}

net::HttpResponse LowPriorityHandler::Handle(const net::HttpRequest& req) {
  LowerThisThread();
  return inner_->Handle(req);
}

void LowPriorityHandler::Stream(const net::HttpRequest& req, net::HttpConnection& conn) {
  LowerThisThread();
  inner_->Stream(req, conn);
}

}  // namespace xcr::web
