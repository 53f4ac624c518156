#include "xapi/disk_transfer.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "base/env.h"
#include "base/logging.h"
#include "vhd/stream_parser.h"
#include "xapi/api.h"
#include "xapi/http_curl.h"
#include "xapi/http_url.h"

namespace xcr::xapi {

namespace {

constexpr uint64_t kProgressEveryMicros = 500'000;

bool Cancelled(const TransferOptions& o) { return o.cancel != nullptr && o.cancel->load(); }

// Rate and progress bookkeeping for one stream.
class Meter {
 public:
  explicit Meter(const TransferOptions& o) : options_(o), start_(Env::Default()->NowMicros()) {}
  void Add(uint64_t n) {
    bytes_ += n;
    uint64_t now = Env::Default()->NowMicros();
    if (options_.progress && now - last_ >= kProgressEveryMicros) {
      last_ = now;
      Report(now);
    }
  }
  // Enforces options.max_bytes_per_sec: sleeps until the average rate since the start is back
  // under the limit (curl's own limit lets bursts through when the socket has data queued).
  void Pace() {
    if (options_.max_bytes_per_sec == 0) return;
    for (;;) {
      uint64_t due = bytes_ * 1'000'000 / options_.max_bytes_per_sec;
      uint64_t elapsed = Env::Default()->NowMicros() - start_;
      if (due <= elapsed || Cancelled(options_)) return;
      Env::Default()->SleepForMicros(std::min<uint64_t>(due - elapsed, 100'000));
    }
  }
  void Final() {
    if (options_.progress) Report(Env::Default()->NowMicros());
  }
  uint64_t bytes() const { return bytes_; }
  uint64_t total = 0;

 private:
  void Report(uint64_t now) {
    double secs = static_cast<double>(now - start_) / 1e6;
    options_.progress({bytes_, total, secs > 0 ? static_cast<double>(bytes_) / secs : 0});
  }
  const TransferOptions& options_;
  uint64_t start_;
  uint64_t last_ = 0;
  uint64_t bytes_ = 0;
};

int XferInfo(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* o = static_cast<const TransferOptions*>(user);
  return Cancelled(*o) ? 1 : 0;
}

HttpLimits TransferLimits(const Connection& conn) {
  HttpLimits limits = conn.options().limits;
  limits.total_timeout_ms = 0;  // a disk takes as long as it takes; the idle timeout still holds
  return limits;
}

std::string TransferHost(Connection& conn, const TransferOptions& options) {
  return options.host_url.empty() ? conn.master_url() : options.host_url;
}

std::string TransferUrl(Connection& conn, const TransferOptions& options, const char* path,
                        const std::string& vdi, const std::string& task, const std::string& base) {
  std::string url = TransferHost(conn, options) + path + "?format=vhd&vdi=" + UrlEncode(vdi) +
                    "&session_id=" + UrlEncode(conn.session_ref());
  if (!task.empty()) url += "&task_id=" + UrlEncode(task);
  if (!base.empty()) url += "&base=" + UrlEncode(base);
  return url;
}

// Creates a task, runs `body(task)`, then judges the outcome by the task. On a stream error the
// task is cancelled. The task is always destroyed.
template <typename Body>
Status WithTask(Connection& conn, const std::string& label, const TransferOptions& options,
                Body body) {
  XCR_ASSIGN_OR_RETURN(std::string task, TaskCreate(conn, label, "xcr disk transfer"));
  Status stream = body(task);
  Status result = stream;
  if (stream.ok()) {
    WaitOptions wait;
    wait.timeout_micros = options.task_timeout_micros;
    wait.poll_interval_micros = 100'000;
    wait.cancel = options.cancel;
    Result<TaskRecord> rec = WaitTask(conn, task, wait);
    if (!rec.ok()) result = rec.status().WithContext(label);
  } else {
    (void)TaskCancel(conn, task);
  }
  Status destroyed = TaskDestroy(conn, task);
  if (!destroyed.ok()) {
    XCR_LOG(WARN) << label << ": task.destroy failed: " << destroyed.ToString();
  }
  return result;
}

// ---- export ----

using DataFn = std::function<Status(std::span<const uint8_t>)>;

struct ExportState {
  CurlEasy* easy = nullptr;
  const DataFn* on_data = nullptr;
  Meter* meter = nullptr;
  Status error;
  bool status_checked = false;
  size_t prefix_checked = 0;  // bytes of "HTTP/" compared so far
  bool prefix_differs = false;
};

size_t ExportWrite(char* p, size_t size, size_t n, void* user) {
  auto* st = static_cast<ExportState*>(user);
  size_t len = size * n;
  if (!st->status_checked) {
    long code = 0;
    curl_easy_getinfo(st->easy->get(), CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
      st->error = Status::IOError("HTTP " + std::to_string(code) + " (expected 200)");
      return 0;
    }
    st->status_checked = true;
  }
  static constexpr char kHttp[] = "HTTP/";
  for (size_t i = 0; i < len && st->prefix_checked < 5 && !st->prefix_differs; ++i) {
    if (p[i] != kHttp[st->prefix_checked]) st->prefix_differs = true;
    ++st->prefix_checked;
  }
  if (st->prefix_checked == 5 && !st->prefix_differs) {
    st->error = Status::IOError("the host sent an HTTP response inside the body (an error page)");
    return 0;
  }
  Status s = (*st->on_data)(std::span<const uint8_t>(reinterpret_cast<uint8_t*>(p), len));
  if (!s.ok()) {
    st->error = s;
    return 0;
  }
  st->meter->Add(len);
  st->meter->Pace();
  return len;
}

// Runs the GET; every byte goes through `on_data`.
Status StreamExport(Connection& conn, const std::string& vdi, const std::string& base,
                    const std::string& task, const DataFn& on_data, const TransferOptions& options,
                    Meter* meter) {
  CurlEasy easy(conn.options().tls, TransferLimits(conn));
  CURL* c = easy.get();
  std::string url = TransferUrl(conn, options, "/export_raw_vdi", vdi, task, base);
  std::string what = "GET " + TransferHost(conn, options) + "/export_raw_vdi (VDI " + vdi + ")";
  ExportState st;
  st.easy = &easy;
  st.on_data = &on_data;
  st.meter = meter;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                   static_cast<long>(std::min<size_t>(
                       std::max<size_t>(options.chunk_size, 256 << 10), CURL_MAX_READ_SIZE)));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &ExportWrite);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &XferInfo);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &options);
  if (options.max_bytes_per_sec > 0) {
    curl_easy_setopt(c, CURLOPT_MAX_RECV_SPEED_LARGE,
                     static_cast<curl_off_t>(options.max_bytes_per_sec));
  }
  CURLcode rc = curl_easy_perform(c);
  if (Cancelled(options)) return Status::Cancelled(what + ": cancelled");
  if (!st.error.ok()) return st.error.WithContext(what);
  XCR_RETURN_IF_ERROR(easy.ToStatus(rc, what));
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    return Status::IOError(what + ": HTTP " + std::to_string(code) + " (expected 200)");
  }
  return Status::OK();
}

// A StreamVisitor that ignores events: the parser only checks structure and finds the length.
class NullVisitor : public vhd::StreamVisitor {};

// ---- import ----

struct ImportState {
  Source* source = nullptr;
  uint64_t length = 0;
  uint64_t sent = 0;
  Meter* meter = nullptr;
  Status error;
  std::string response;  // first bytes of the response body, for error messages
};

size_t ImportRead(char* p, size_t size, size_t n, void* user) {
  auto* st = static_cast<ImportState*>(user);
  size_t want = static_cast<size_t>(std::min<uint64_t>(size * n, st->length - st->sent));
  if (want == 0) {
    // Content-Length reached: the source must be at its end too.
    uint8_t probe;
    Result<size_t> extra = st->source->Read(std::span<uint8_t>(&probe, 1));
    if (extra.ok() && *extra > 0) {
      st->error = Status::Corruption("the VHD source has more bytes than the announced length " +
                                     std::to_string(st->length));
      return CURL_READFUNC_ABORT;
    }
    return 0;
  }
  Result<size_t> got = st->source->Read(std::span<uint8_t>(reinterpret_cast<uint8_t*>(p), want));
  if (!got.ok()) {
    st->error = got.status();
    return CURL_READFUNC_ABORT;
  }
  if (*got == 0) {
    st->error = Status::Corruption("the VHD source ended at byte " + std::to_string(st->sent) +
                                   " of " + std::to_string(st->length));
    return CURL_READFUNC_ABORT;
  }
  st->sent += *got;
  st->meter->Add(*got);
  st->meter->Pace();
  return *got;
}

size_t ImportResponse(char* p, size_t size, size_t n, void* user) {
  auto* st = static_cast<ImportState*>(user);
  size_t len = size * n;
  if (st->response.size() < 512) st->response.append(p, std::min(len, 512 - st->response.size()));
  return len;
}

size_t NoBody(char*, size_t, size_t, void*) { return 0; }
size_t DropBody(char*, size_t size, size_t n, void*) { return size * n; }

// Sends an empty PUT to `url` and returns where the data must go: `url` itself (200), or the
// Location of a 302 (another pool member, checked with the same trust policy). Other statuses
// are errors reported before any data moves.
Result<std::string> ProbeImportUrl(Connection& conn, const TransferOptions& options,
                                   const std::string& url, const std::string& what) {
  std::string current = url;
  for (int hop = 0; hop < 3; ++hop) {
    HttpLimits limits = conn.options().limits;
    limits.total_timeout_ms = 60'000;
    CurlEasy easy(conn.options().tls, limits);
    CURL* c = easy.get();
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Transfer-Encoding:");
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, current.c_str());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(0));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &NoBody);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &DropBody);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(headers);
    XCR_RETURN_IF_ERROR(easy.ToStatus(rc, what + " (probe)"));
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code == 200) return current;
    char* location = nullptr;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
    if ((code == 301 || code == 302 || code == 307) && location != nullptr) {
      Result<Url> to = Url::Parse(location);  // log the host only: the query has the session
      XCR_LOG(INFO) << what << ": redirected to " << (to.ok() ? to->Base() : "?");
      current = location;
      continue;
    }
    return Status::IOError(what + ": HTTP " + std::to_string(code) + " before any data was sent");
  }
  return Status::IOError(what + ": too many redirects");
}

Status StreamImport(Connection& conn, const std::string& vdi, const std::string& task,
                    Source& source, uint64_t length, const TransferOptions& options, Meter* meter) {
  CurlEasy easy(conn.options().tls, TransferLimits(conn));
  CURL* c = easy.get();
  std::string what = "PUT " + TransferHost(conn, options) + "/import_raw_vdi (VDI " + vdi + ")";
  XCR_ASSIGN_OR_RETURN(
      std::string url,
      ProbeImportUrl(conn, options, TransferUrl(conn, options, "/import_raw_vdi", vdi, "", ""),
                     what));
  // The probe carries no task (an empty upload must not finish ours); the real one does.
  url += "&task_id=" + UrlEncode(task);
  ImportState st;
  st.source = &source;
  st.length = length;
  st.meter = meter;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Transfer-Encoding:");
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Content-Type: application/vhd");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(length));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE,
                   static_cast<long>(
                       std::min<size_t>(std::max<size_t>(options.chunk_size, 256 << 10), 2 << 20)));
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ImportRead);
  curl_easy_setopt(c, CURLOPT_READDATA, &st);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &ImportResponse);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &XferInfo);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &options);
  if (options.max_bytes_per_sec > 0) {
    curl_easy_setopt(c, CURLOPT_MAX_SEND_SPEED_LARGE,
                     static_cast<curl_off_t>(options.max_bytes_per_sec));
  }
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (Cancelled(options)) return Status::Cancelled(what + ": cancelled");
  if (!st.error.ok()) return st.error.WithContext(what);
  XCR_RETURN_IF_ERROR(easy.ToStatus(rc, what));
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    std::string body = st.response.substr(0, 200);
    for (char& ch : body) {
      if (ch < 32 || ch > 126) ch = ' ';
    }
    return Status::IOError(what + ": HTTP " + std::to_string(code) +
                           (body.empty() ? std::string() : " (" + body + ")"));
  }
  if (st.sent != length) {
    return Status::IOError(what + ": sent " + std::to_string(st.sent) + " of " +
                           std::to_string(length) + " bytes");
  }
  return Status::OK();
}

// ---- pipe ----

// A bounded byte ring with one producer and N consumers, each reading every byte. The producer
// blocks while the slowest live consumer is a full ring behind. Consumers 0..targets-1 are the
// imports; the ones after are observers, which read in place (Peek/Consume), are woken only
// once `observer_batch` bytes wait for them (not on every write), and do not count when deciding
// that every target failed.
class FanoutRing {
 public:
  FanoutRing(size_t capacity, size_t targets, size_t observers, size_t observer_batch,
             const std::atomic<bool>* cancel)
      : buf_(capacity),
        read_(targets + observers, 0),
        live_(targets + observers, true),
        targets_(targets),
        observer_batch_(std::min(std::max<size_t>(observer_batch, 1), capacity / 2)),
        cancel_(cancel) {}

  // Before Start(), a full ring is an error (the consumers cannot start yet).
  void Start() {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = true;
    cv_.notify_all();
  }

  Status Write(std::span<const uint8_t> data) {
    while (!data.empty()) {
      uint64_t space;
      {
        std::unique_lock<std::mutex> lock(mu_);
        for (;;) {
          if (cancel_ != nullptr && cancel_->load()) return Status::Cancelled("cancelled");
          if (!abort_.ok()) return abort_;
          if (started_ && NoneLive()) return Status::Unavailable("every target failed");
          space = buf_.size() - (write_ - MinRead());
          if (space > 0) break;
          if (!started_) {
            return Status::ResourceExhausted(
                "the VHD header and BAT do not fit in the transfer ring; raise ring_chunks");
          }
          cv_.wait_for(lock, std::chrono::milliseconds(200));
        }
      }
      size_t n = static_cast<size_t>(std::min<uint64_t>(space, data.size()));
      CopyIn(write_, data.subspan(0, n));
      data = data.subspan(n);
      std::lock_guard<std::mutex> lock(mu_);
      write_ += n;
      cv_.notify_all();
      for (size_t id = targets_; id < read_.size(); ++id) {
        if (write_ - read_[id] >= observer_batch_) observer_cv_.notify_all();
      }
    }
    return Status::OK();
  }

  void Close(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    final_ = std::move(status);
    cv_.notify_all();
    observer_cv_.notify_all();
  }

  Result<size_t> Read(size_t id, std::span<uint8_t> out) {
    uint64_t pos, avail;
    {
      std::unique_lock<std::mutex> lock(mu_);
      for (;;) {
        pos = read_[id];
        avail = write_ - pos;
        if (avail > 0) break;
        if (closed_) {
          if (final_.ok()) return size_t{0};
          return final_.WithContext("source export failed");
        }
        cv_.wait_for(lock, std::chrono::milliseconds(200));
      }
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(avail, out.size()));
    CopyOut(pos, out.subspan(0, n));
    std::lock_guard<std::mutex> lock(mu_);
    read_[id] += n;
    cv_.notify_all();
    return n;
  }

  // For observer `id`: the next contiguous bytes, at most `max`, in place, once a batch is
  // there (or the stream ended): valid until Consume(id, ...). Empty at the end of a complete
  // stream; the export's error otherwise.
  Result<std::span<const uint8_t>> Peek(size_t id, size_t max) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      uint64_t pos = read_[id];
      uint64_t avail = write_ - pos;
      if (avail >= observer_batch_ || (avail > 0 && closed_)) {
        size_t off = static_cast<size_t>(pos % buf_.size());
        size_t n = static_cast<size_t>(std::min<uint64_t>({avail, buf_.size() - off, max}));
        return std::span<const uint8_t>(buf_.data() + off, n);
      }
      if (closed_) {
        if (final_.ok()) return std::span<const uint8_t>();
        return final_.WithContext("source export failed");
      }
      observer_cv_.wait_for(lock, std::chrono::milliseconds(200));
    }
  }
  void Consume(size_t id, size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    read_[id] += n;
    cv_.notify_all();
  }

  // Bytes consumer `id` has taken so far.
  uint64_t Position(size_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    return read_[id];
  }

  void Drop(size_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    live_[id] = false;
    cv_.notify_all();
  }

  // Consumer `id` failed in a way that must stop the export: the producer's next Write returns
  // `status`. The consumer is dropped.
  void Abort(size_t id, Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    live_[id] = false;
    if (abort_.ok()) abort_ = std::move(status);
    cv_.notify_all();
  }

 private:
  bool NoneLive() const {
    return std::none_of(live_.begin(), live_.begin() + static_cast<ptrdiff_t>(targets_),
                        [](bool b) { return b; });
  }
  uint64_t MinRead() const {
    uint64_t m = write_;
    for (size_t i = 0; i < read_.size(); ++i) {
      if (live_[i]) m = std::min(m, read_[i]);
    }
    return m;
  }
  void CopyIn(uint64_t pos, std::span<const uint8_t> data) {
    size_t off = static_cast<size_t>(pos % buf_.size());
    size_t first = std::min(data.size(), buf_.size() - off);
    std::memcpy(buf_.data() + off, data.data(), first);
    std::memcpy(buf_.data(), data.data() + first, data.size() - first);
  }
  void CopyOut(uint64_t pos, std::span<uint8_t> out) {
    size_t off = static_cast<size_t>(pos % buf_.size());
    size_t first = std::min(out.size(), buf_.size() - off);
    std::memcpy(out.data(), buf_.data() + off, first);
    std::memcpy(out.data() + first, buf_.data(), out.size() - first);
  }

  std::vector<uint8_t> buf_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable observer_cv_;  // observers wait here
  uint64_t write_ = 0;                   // guarded by mu_
  std::vector<uint64_t> read_;           // guarded by mu_
  std::vector<bool> live_;               // guarded by mu_
  size_t targets_;
  size_t observer_batch_;
  Status abort_;          // guarded by mu_
  bool started_ = false;  // guarded by mu_
  bool closed_ = false;   // guarded by mu_
  Status final_;          // guarded by mu_
  const std::atomic<bool>* cancel_;
};

class RingSource : public Source {
 public:
  RingSource(FanoutRing* ring, size_t id) : ring_(ring), id_(id) {}
  Result<size_t> Read(std::span<uint8_t> buf) override { return ring_->Read(id_, buf); }

 private:
  FanoutRing* ring_;
  size_t id_;
};

}  // namespace

Result<uint64_t> ExportVdi(Connection& conn, const std::string& vdi, const std::string& base,
                           Sink& sink, const TransferOptions& options) {
  Meter meter(options);
  NullVisitor visitor;
  vhd::StreamParser parser(&visitor);
  DataFn on_data = [&](std::span<const uint8_t> data) -> Status {
    XCR_RETURN_IF_ERROR(parser.Feed(data));
    if (parser.metadata_ready()) meter.total = parser.total_length();
    if (options.observer) {
      XCR_RETURN_IF_ERROR(options.observer->Write(data).WithContext("export observer"));
    }
    return sink.Write(data);
  };
  Status s = WithTask(conn, "xcr export " + vdi, options, [&](const std::string& task) {
    XCR_RETURN_IF_ERROR(StreamExport(conn, vdi, base, task, on_data, options, &meter));
    XCR_RETURN_IF_ERROR(
        parser.Finish().WithContext("export of VDI " + vdi + " ended early or is malformed"));
    return options.observer ? options.observer->Finish().WithContext("export observer")
                            : Status::OK();
  });
  meter.Final();
  XCR_RETURN_IF_ERROR(s);
  XCR_RETURN_IF_ERROR(sink.Finish());
  return meter.bytes();
}

Status ImportVdi(Connection& conn, const std::string& vdi, Source& source, uint64_t length,
                 const TransferOptions& options) {
  Meter meter(options);
  meter.total = length;
  Status s = WithTask(conn, "xcr import " + vdi, options, [&](const std::string& task) {
    return StreamImport(conn, vdi, task, source, length, options, &meter);
  });
  meter.Final();
  return s;
}

bool PipeResult::any_succeeded() const {
  return source.ok() &&
         std::any_of(targets.begin(), targets.end(), [](const Status& s) { return s.ok(); });
}

PipeResult PipeVdi(Connection& source, const std::string& vdi, const std::string& base,
                   const std::vector<PipeTarget>& targets, const TransferOptions& options) {
  PipeResult result;
  result.targets.assign(targets.size(), Status::OK());
  if (targets.empty()) {
    result.source = Status::InvalidArgument("PipeVdi needs at least one target");
    return result;
  }
  size_t chunk = std::max<size_t>(options.chunk_size, 256 << 10);
  Sink* observer = options.observer;
  FanoutRing ring(chunk * std::max<size_t>(options.ring_chunks, 2), targets.size(),
                  observer ? 1 : 0, /*observer_batch=*/chunk / 2, options.cancel);
  TransferOptions target_options = options;
  target_options.progress = nullptr;  // progress is reported for the export
  target_options.observer = nullptr;
  std::vector<std::thread> threads;
  Status observed;  // the observer's outcome, set by its thread
  // Each target's state for progress reports: TargetProgress::State as an int.
  std::vector<std::atomic<int>> states(targets.size());
  for (auto& s : states) s.store(static_cast<int>(TargetProgress::State::kRunning));
  TransferOptions export_options = options;
  if (options.progress) {
    export_options.progress = [&](const TransferProgress& p) {
      TransferProgress q = p;
      q.targets.resize(targets.size());
      for (size_t i = 0; i < targets.size(); ++i) {
        q.targets[i].label = targets[i].label;
        q.targets[i].bytes = ring.Position(i);
        q.targets[i].state = static_cast<TargetProgress::State>(states[i].load());
      }
      options.progress(q);
    };
  }
  Meter meter(export_options);
  NullVisitor visitor;
  vhd::StreamParser parser(&visitor);

  auto start_targets = [&](uint64_t length) {
    for (size_t i = 0; i < targets.size(); ++i) {
      threads.emplace_back([&, i, length] {
        RingSource src(&ring, i);
        result.targets[i] =
            ImportVdi(*targets[i].conn, targets[i].vdi, src, length, target_options);
        states[i].store(static_cast<int>(result.targets[i].ok() ? TargetProgress::State::kDone
                                                                : TargetProgress::State::kFailed));
        ring.Drop(i);
        if (!result.targets[i].ok()) {
          XCR_LOG(WARN) << "pipe target " << i << " (VDI " << targets[i].vdi
                        << ") failed and is dropped: " << result.targets[i].ToString();
        }
      });
    }
    if (observer) {
      threads.emplace_back([&, id = targets.size()] {
        for (;;) {
          Result<std::span<const uint8_t>> got = ring.Peek(id, chunk);
          if (!got.ok()) return;  // the export failed and reports why
          if (got->empty()) {
            observed = observer->Finish();
          } else {
            observed = observer->Write(*got);
            ring.Consume(id, got->size());
          }
          if (!observed.ok()) {
            observed = observed.WithContext("export observer");
            ring.Abort(id, observed);
            XCR_LOG(WARN) << "export of VDI " << vdi << " stopped: " << observed.ToString();
          }
          if (got->empty() || !observed.ok()) return;
        }
      });
    }
    ring.Start();
  };

  DataFn on_data = [&](std::span<const uint8_t> data) -> Status {
    bool was_ready = parser.metadata_ready();
    XCR_RETURN_IF_ERROR(parser.Feed(data));
    if (!was_ready && parser.metadata_ready()) {
      meter.total = parser.total_length();
      start_targets(parser.total_length());
    }
    return ring.Write(data);
  };
  result.source = WithTask(source, "xcr export " + vdi, options, [&](const std::string& task) {
    Status s = StreamExport(source, vdi, base, task, on_data, export_options, &meter);
    if (s.ok()) s = parser.Finish().WithContext("export of VDI " + vdi + " ended early");
    ring.Close(s);
    return s;
  });
  ring.Close(result.source);  // no-op if already closed by the stream; else wakes the targets
  for (auto& t : threads) t.join();
  // An observer failing after the last byte (its Finish) fails the transfer too.
  if (result.source.ok() && !observed.ok()) result.source = observed;
  result.bytes = meter.bytes();
  if (threads.empty()) {
    for (auto& t : result.targets) t = result.source.WithContext("not started");
  } else if (!result.source.ok()) {
    // Nothing that came from a failed export counts as a success.
    for (auto& t : result.targets) {
      if (t.ok()) t = result.source.WithContext("source export failed");
    }
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    states[i].store(static_cast<int>(result.targets[i].ok() ? TargetProgress::State::kDone
                                                            : TargetProgress::State::kFailed));
  }
  meter.Final();
  return result;
}

}  // namespace xcr::xapi
