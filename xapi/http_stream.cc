#include "xapi/http_stream.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "xapi/http_url.h"

namespace xcr::xapi {

namespace {

constexpr int kPollSliceMs = 200;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HttpStream::HttpStream(const HttpLimits& limits, std::string what, const std::atomic<bool>* cancel)
    : limits_(limits), what_(std::move(what)), cancel_(cancel) {}

HttpStream::~HttpStream() = default;

Result<std::unique_ptr<HttpStream>> HttpStream::Open(const TlsTrust& trust,
                                                     const HttpLimits& limits,
                                                     const std::string& url, std::string what,
                                                     const std::atomic<bool>* cancel) {
  std::unique_ptr<HttpStream> s(new HttpStream(limits, std::move(what), cancel));
  size_t scheme_end = url.find("://");
  size_t path = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  s->target_ = path == std::string::npos ? "/" : url.substr(path);
  // Only the part before the path is parsed (and quoted in errors): the query holds a session.
  Result<Url> parsed_url = Url::Parse(url.substr(0, path));
  if (!parsed_url.ok()) return parsed_url.status().WithContext(s->what_);
  const Url& parsed = *parsed_url;
  std::string base = parsed.Base();
  s->host_header_ = base.substr(base.find("://") + 3);
  s->easy_ = std::make_unique<CurlEasy>(trust, limits);
  CURL* c = s->easy_->get();
  curl_easy_setopt(c, CURLOPT_URL, base.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
  // curl_easy_recv reads at most this much per call (16 KiB by default): take the largest.
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, static_cast<long>(CURL_MAX_READ_SIZE));
  CURLcode rc = curl_easy_perform(c);
  XCR_RETURN_IF_ERROR(s->easy_->ToStatus(rc, s->what_));
  curl_socket_t sock = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK || sock == CURL_SOCKET_BAD) {
    return Status::IOError(s->what_ + ": no socket after connecting");
  }
  s->socket_ = static_cast<int>(sock);
  return s;
}

Status HttpStream::Wait(bool for_write, int timeout_ms) {
  int64_t start = NowMs();
  int64_t idle_ms = limits_.low_speed_time_s > 0 ? limits_.low_speed_time_s * 1000 : -1;
  for (;;) {
    if (cancel_ != nullptr && cancel_->load()) return Status::Cancelled(what_ + ": cancelled");
    pollfd p{socket_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    int r = poll(&p, 1, kPollSliceMs);
    if (r > 0) return Status::OK();  // ready, or an error/hang-up the next call reports
    if (r < 0 && errno != EINTR) {
      return Status::IOError(what_ + ": poll: " + std::strerror(errno));
    }
    int64_t waited = NowMs() - start;
    if (timeout_ms >= 0 && waited >= timeout_ms) {
      return Status::Timeout(what_ + ": no answer within " + std::to_string(timeout_ms) + " ms");
    }
    if (timeout_ms < 0 && idle_ms >= 0 && waited >= idle_ms) {
      return Status::Timeout(what_ + ": no data moved for " +
                             std::to_string(limits_.low_speed_time_s) +
                             " s; the connection is given up");
    }
  }
}

Status HttpStream::SendHead(std::string_view method, const std::vector<std::string>& headers) {
  std::string head(method);
  head += ' ' + target_ + " HTTP/1.1\r\nHost: " + host_header_ + "\r\nUser-Agent: xcr\r\n";
  for (const std::string& h : headers) head += h + "\r\n";
  head += "Connection: close\r\n\r\n";
  return Send(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(head.data()), head.size()));
}

Status HttpStream::Send(std::span<const uint8_t> data) {
  while (!data.empty()) {
    size_t sent = 0;
    CURLcode rc = curl_easy_send(easy_->get(), data.data(), data.size(), &sent);
    if (rc == CURLE_AGAIN) {
      XCR_RETURN_IF_ERROR(Wait(/*for_write=*/true, -1));
      continue;
    }
    if (rc != CURLE_OK) return easy_->ToStatus(rc, what_);
    data = data.subspan(sent);
  }
  return Status::OK();
}

Result<size_t> HttpStream::RecvSome(std::span<uint8_t> out, int timeout_ms) {
  for (;;) {
    size_t got = 0;
    CURLcode rc = curl_easy_recv(easy_->get(), out.data(), out.size(), &got);
    if (rc == CURLE_AGAIN) {
      XCR_RETURN_IF_ERROR(Wait(/*for_write=*/false, timeout_ms));
      continue;
    }
    if (rc != CURLE_OK) return easy_->ToStatus(rc, what_);
    return got;
  }
}

Result<ResponseHead> HttpStream::ReadHead(int timeout_ms) {
  if (head_read_) return head_;
  std::string buf;
  char chunk[16 << 10];
  for (;;) {
    Result<size_t> end = FindResponseHeadEnd(buf);
    if (!end.ok()) return end.status().WithContext(what_);
    if (*end > 0) {
      Result<ResponseHead> head = ParseResponseHead(std::string_view(buf).substr(0, *end));
      if (!head.ok()) return head.status().WithContext(what_);
      buf.erase(0, *end);
      // An interim answer (100 Continue, 102, 103) precedes the real one: skip it.
      if (head->status >= 100 && head->status < 200 && head->status != 101) continue;
      head_ = std::move(*head);
      early_ = std::move(buf);
      head_read_ = true;
      return head_;
    }
    XCR_ASSIGN_OR_RETURN(
        size_t got,
        RecvSome(std::span<uint8_t>(reinterpret_cast<uint8_t*>(chunk), sizeof chunk), timeout_ms));
    if (got == 0) {
      return Status::IOError(
          what_ + ": the connection closed " +
          (buf.empty() ? std::string("before any response") : "inside the response head"));
    }
    buf.append(chunk, got);
  }
}

Result<size_t> HttpStream::ReadBody(std::span<uint8_t> out) {
  if (!head_read_) return Status::InvalidArgument(what_ + ": ReadBody before ReadHead");
  while (!body_done_ && !out.empty()) {
    size_t want = out.size();
    if (head_.content_length) {
      uint64_t left = *head_.content_length - body_read_;
      if (left == 0) {
        body_done_ = true;
        break;
      }
      want = static_cast<size_t>(std::min<uint64_t>(want, left));
    }
    size_t got = 0;
    if (!early_.empty()) {
      got = std::min(want, early_.size());
      std::memcpy(out.data(), early_.data(), got);
      early_.erase(0, got);
    } else {
      XCR_ASSIGN_OR_RETURN(got, RecvSome(out.subspan(0, want), -1));
      if (got == 0) {
        body_done_ = true;
        if (head_.chunked && !chunked_.done()) {
          return Status::Corruption(what_ + ": the connection closed before the last chunk");
        }
        if (head_.content_length && body_read_ < *head_.content_length) {
          return Status::Corruption(what_ + ": the connection closed after " +
                                    std::to_string(body_read_) + " of " +
                                    std::to_string(*head_.content_length) + " body bytes");
        }
        break;
      }
    }
    if (head_.chunked) {
      Result<size_t> decoded = chunked_.Decode(out.data(), got);
      if (!decoded.ok()) return decoded.status().WithContext(what_);
      size_t payload = *decoded;
      body_read_ += payload;
      if (chunked_.done()) body_done_ = true;
      if (payload > 0) return payload;
      continue;  // framing only: read on
    }
    body_read_ += got;
    return got;
  }
  return size_t{0};
}

}  // namespace xcr::xapi
