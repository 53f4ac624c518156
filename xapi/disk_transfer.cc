#include "xapi/disk_transfer.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "base/logging.h"
#include "vhd/stream_parser.h"
#include "xapi/api.h"
#include "xapi/fanout_ring.h"
#include "xapi/http_curl.h"
#include "xapi/http_stream.h"
#include "xapi/http_url.h"
#include "xapi/transfer_meter.h"
#include "xapi/transfer_task.h"

namespace xcr::xapi {

namespace {

bool Cancelled(const TransferOptions& o) { return o.cancel != nullptr && o.cancel->load(); }

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

// ---- export ----

// Where an export's bytes go: lends writable space in place, then takes back what was filled,
// so the bytes are received straight into their destination.
class ExportDestination {
 public:
  virtual ~ExportDestination() = default;
  // Contiguous writable space for the next bytes (never empty); may wait for room.
  virtual Result<std::span<uint8_t>> Space() = 0;
  // The first `n` bytes of the last Space() now hold the next bytes of the stream.
  virtual Status Commit(size_t n) = 0;
};

bool IsRedirect(int status) {
  return status == 301 || status == 302 || status == 307 || status == 308;
}

// The first bytes of a response body, printable, for an error message.
std::string BodySnippet(HttpStream& stream) {
  uint8_t buf[512];
  size_t have = 0;
  while (have < 200) {
    Result<size_t> got = stream.ReadBody(std::span<uint8_t>(buf + have, sizeof buf - have));
    if (!got.ok() || *got == 0) break;
    have += *got;
  }
  std::string body(reinterpret_cast<const char*>(buf), std::min<size_t>(have, 200));
  for (char& ch : body) {
    if (ch < 32 || ch > 126) ch = ' ';
  }
  return body;
}

Status HttpError(HttpStream& stream, const ResponseHead& head, const char* expected) {
  std::string body = BodySnippet(stream);
  return Status::IOError(stream.what() + ": HTTP " + std::to_string(head.status) + " (expected " +
                         expected + ")" + (body.empty() ? std::string() : ": " + body));
}

// Sends `method` with `headers` (and no body yet) to `url`, following up to 3 redirects to
// other pool members (each connection checked with the same trust policy): the stream whose
// answer is 200, with *final_url the URL that gave it. Other answers are errors naming the
// status and the start of the body.
Result<std::unique_ptr<HttpStream>> Request(Connection& conn, const TransferOptions& options,
                                            std::string url, const std::string& what,
                                            std::string_view method,
                                            const std::vector<std::string>& headers,
                                            std::string* final_url) {
  for (int hop = 0;; ++hop) {
    XCR_ASSIGN_OR_RETURN(
        std::unique_ptr<HttpStream> stream,
        HttpStream::Open(conn.options().tls, TransferLimits(conn), url, what, options.cancel));
    XCR_RETURN_IF_ERROR(stream->SendHead(method, headers));
    XCR_ASSIGN_OR_RETURN(ResponseHead head, stream->ReadHead());
    if (head.status == 200) {
      if (final_url != nullptr) *final_url = url;
      return stream;
    }
    std::string location = head.Header("location");
    if (!IsRedirect(head.status) || location.empty()) return HttpError(*stream, head, "200");
    if (hop == 3) return Status::IOError(what + ": too many redirects");
    Result<Url> to = Url::Parse(location);  // log the host only: the query has the session
    if (!to.ok()) return Status::IOError(what + ": redirected to a bad URL");
    XCR_LOG(INFO) << what << ": redirected to " << to->Base();
    url = location;
  }
}

// Runs the GET (following redirects) and receives the body straight into `dest`.
Status StreamExport(Connection& conn, const std::string& vdi, const std::string& base,
                    const std::string& task, ExportDestination& dest,
                    const TransferOptions& options, TransferMeter* meter) {
  std::string url = TransferUrl(conn, options, "/export_raw_vdi", vdi, task, base);
  std::string what = "GET " + TransferHost(conn, options) + "/export_raw_vdi (VDI " + vdi + ")";
  XCR_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> stream,
                       Request(conn, options, url, what, "GET", {"Accept: */*"}, nullptr));
  static constexpr char kHttp[] = "HTTP/";
  size_t prefix_checked = 0;  // bytes of "HTTP/" compared so far
  bool prefix_differs = false;
  for (;;) {
    if (Cancelled(options)) return Status::Cancelled(what + ": cancelled");
    XCR_ASSIGN_OR_RETURN(std::span<uint8_t> space, dest.Space());
    Result<size_t> got = stream->ReadBody(space);
    if (!got.ok()) {
      if (got.status().code() == StatusCode::kCancelled) return got.status();
      return HostReason(conn, task, options,
                        got.status().WithContext("the export stream broke after " +
                                                 std::to_string(meter->bytes()) + " bytes"));
    }
    if (*got == 0) break;
    for (size_t i = 0; i < *got && prefix_checked < 5 && !prefix_differs; ++i) {
      if (space[i] != kHttp[prefix_checked]) prefix_differs = true;
      ++prefix_checked;
    }
    if (prefix_checked == 5 && !prefix_differs) {
      return Status::IOError(what +
                             ": the host sent an HTTP response inside the body (an error page)");
    }
    XCR_RETURN_IF_ERROR(dest.Commit(*got).WithContext(what));
    meter->Add(*got);
    meter->Pace();
  }
  if (Cancelled(options)) return Status::Cancelled(what + ": cancelled");
  return Status::OK();
}

// A StreamVisitor that ignores events: the parser only checks structure and finds the length.
class NullVisitor : public vhd::StreamVisitor {};

// ---- import ----

// Where an import's bytes come from: lends the next bytes in place until they are consumed.
class ImportSource {
 public:
  virtual ~ImportSource() = default;
  // The next bytes (at most `max`), valid until Consume; empty at the end of the source.
  virtual Result<std::span<const uint8_t>> Peek(size_t max) = 0;
  virtual void Consume(size_t n) = 0;
};

// An ImportSource over a Source, through one reused buffer.
class BufferedImportSource : public ImportSource {
 public:
  BufferedImportSource(Source& source, size_t buffer) : source_(source), buf_(buffer) {}
  Result<std::span<const uint8_t>> Peek(size_t max) override {
    if (pos_ == fill_) {
      XCR_ASSIGN_OR_RETURN(fill_, source_.Read(std::span<uint8_t>(buf_)));
      pos_ = 0;
    }
    return std::span<const uint8_t>(buf_.data() + pos_, std::min(max, fill_ - pos_));
  }
  void Consume(size_t n) override { pos_ += n; }

 private:
  Source& source_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0, fill_ = 0;
};

// The length of an import's stream, given when the caller learns it; may wait. PipeVdi's
// targets get ready (task, redirect probe) while the export's header and BAT are on their way.
using LengthFn = std::function<Result<uint64_t>()>;

// Sends exactly the stream's length of bytes of `source`, straight from where it lends them.
Status StreamImport(Connection& conn, const std::string& vdi, const std::string& task,
                    ImportSource& source, const LengthFn& stream_length,
                    const TransferOptions& options, TransferMeter* meter) {
  std::string what = "PUT " + TransferHost(conn, options) + "/import_raw_vdi (VDI " + vdi + ")";
  // An empty PUT first learns where the data must go (a host that cannot see the SR answers
  // with a redirect), so the disk is streamed once. It carries no task: an empty upload must not
  // finish ours; the real one does.
  std::string url;
  {
    Result<std::unique_ptr<HttpStream>> probe =
        Request(conn, options, TransferUrl(conn, options, "/import_raw_vdi", vdi, "", ""),
                what + " (probe)", "PUT", {"Content-Length: 0"}, &url);
    if (!probe.ok()) return probe.status().WithContext("before any data was sent");
  }
  url += "&task_id=" + UrlEncode(task);
  XCR_ASSIGN_OR_RETURN(const uint64_t length, stream_length());
  meter->total = length;
  XCR_ASSIGN_OR_RETURN(
      std::unique_ptr<HttpStream> stream,
      HttpStream::Open(conn.options().tls, TransferLimits(conn), url, what, options.cancel));
  // The host may refuse the request before reading the body (XAPI answers errors at once and
  // closes), or drop it midway and fail its task: a failed send is reported with the host's
  // answer, or its task's reason, when there is one.
  auto send_failed = [&](const Status& s) -> Status {
    if (s.code() == StatusCode::kCancelled) return s;
    Result<ResponseHead> head = stream->ReadHead(/*timeout_ms=*/1000);
    if (head.ok() && head->status != 200) return HttpError(*stream, *head, "200");
    return HostReason(conn, task, options, s);
  };
  Status head_sent = stream->SendHead(
      "PUT", {"Content-Type: application/vhd", "Content-Length: " + std::to_string(length)});
  if (!head_sent.ok()) return send_failed(head_sent);
  const size_t max_send = std::max<size_t>(options.chunk_size, 256 << 10);
  uint64_t sent = 0;
  while (sent < length) {
    if (Cancelled(options)) return Status::Cancelled(what + ": cancelled");
    XCR_ASSIGN_OR_RETURN(
        std::span<const uint8_t> data,
        source.Peek(static_cast<size_t>(std::min<uint64_t>(max_send, length - sent))));
    if (data.empty()) {
      return Status::Corruption(what + ": the VHD source ended at byte " + std::to_string(sent) +
                                " of " + std::to_string(length));
    }
    Status s = stream->Send(data);
    if (!s.ok()) {
      return send_failed(s).WithContext("after " + std::to_string(sent) + " of " +
                                        std::to_string(length) + " bytes");
    }
    source.Consume(data.size());
    sent += data.size();
    meter->Add(data.size());
    meter->Pace();
  }
  // Content-Length reached: the source must be at its end too.
  XCR_ASSIGN_OR_RETURN(std::span<const uint8_t> extra, source.Peek(1));
  if (!extra.empty()) {
    return Status::Corruption(what + ": the VHD source has more bytes than the announced length " +
                              std::to_string(length));
  }
  XCR_ASSIGN_OR_RETURN(ResponseHead head, stream->ReadHead());
  if (head.status != 200) return HttpError(*stream, head, "200");
  return Status::OK();
}

// ---- pipe ----

// Target `id`'s view of the ring.
class RingImportSource : public ImportSource {
 public:
  RingImportSource(FanoutRing* ring, size_t id) : ring_(ring), id_(id) {}
  Result<std::span<const uint8_t>> Peek(size_t max) override { return ring_->Peek(id_, max); }
  void Consume(size_t n) override { ring_->Consume(id_, n); }

 private:
  FanoutRing* ring_;
  size_t id_;
};

// ExportVdi's destination: one reused buffer, each filling parsed, observed and written to the
// sink.
class SinkDestination : public ExportDestination {
 public:
  SinkDestination(size_t buffer, vhd::StreamParser& parser, TransferMeter& meter, Sink* observer,
                  Sink& sink)
      : buf_(buffer), parser_(parser), meter_(meter), observer_(observer), sink_(sink) {}
  Result<std::span<uint8_t>> Space() override { return std::span<uint8_t>(buf_); }
  Status Commit(size_t n) override {
    std::span<const uint8_t> data(buf_.data(), n);
    XCR_RETURN_IF_ERROR(parser_.Feed(data));
    if (parser_.metadata_ready()) meter_.total = parser_.total_length();
    if (observer_ != nullptr) {
      XCR_RETURN_IF_ERROR(observer_->Write(data).WithContext("export observer"));
    }
    return sink_.Write(data);
  }

 private:
  std::vector<uint8_t> buf_;
  vhd::StreamParser& parser_;
  TransferMeter& meter_;
  Sink* observer_;
  Sink& sink_;
};

// PipeVdi's destination: the ring itself; bytes are parsed where they landed, and the targets
// start once the header and BAT gave the stream's length.
class RingDestination : public ExportDestination {
 public:
  RingDestination(FanoutRing& ring, vhd::StreamParser& parser,
                  std::function<void(uint64_t)> on_length)
      : ring_(ring), parser_(parser), on_length_(std::move(on_length)) {}
  Result<std::span<uint8_t>> Space() override {
    XCR_ASSIGN_OR_RETURN(space_, ring_.WriteSpace());
    return space_;
  }
  Status Commit(size_t n) override {
    bool was_ready = parser_.metadata_ready();
    XCR_RETURN_IF_ERROR(parser_.Feed(space_.subspan(0, n)));
    if (!was_ready && parser_.metadata_ready()) on_length_(parser_.total_length());
    ring_.CommitWrite(n);
    return Status::OK();
  }

 private:
  FanoutRing& ring_;
  vhd::StreamParser& parser_;
  std::function<void(uint64_t)> on_length_;
  std::span<uint8_t> space_;
};

}  // namespace

Result<uint64_t> ExportVdi(Connection& conn, const std::string& vdi, const std::string& base,
                           Sink& sink, const TransferOptions& options) {
  TransferMeter meter(options);
  NullVisitor visitor;
  vhd::StreamParser parser(&visitor);
  SinkDestination dest(std::max<size_t>(options.chunk_size, 256 << 10), parser, meter,
                       options.observer, sink);
  Status s = WithTransferTask(conn, "xcr export " + vdi, options, [&](const std::string& task) {
    XCR_RETURN_IF_ERROR(StreamExport(conn, vdi, base, task, dest, options, &meter));
    Status complete =
        parser.Finish().WithContext("export of VDI " + vdi + " ended early or is malformed");
    if (!complete.ok()) return HostReason(conn, task, options, complete);
    return options.observer ? options.observer->Finish().WithContext("export observer")
                            : Status::OK();
  });
  meter.Final();
  XCR_RETURN_IF_ERROR(s);
  XCR_RETURN_IF_ERROR(sink.Finish());
  return meter.bytes();
}

namespace {

Status ImportFrom(Connection& conn, const std::string& vdi, ImportSource& source,
                  const LengthFn& stream_length, const TransferOptions& options) {
  TransferMeter meter(options);
  Status s = WithTransferTask(conn, "xcr import " + vdi, options, [&](const std::string& task) {
    return StreamImport(conn, vdi, task, source, stream_length, options, &meter);
  });
  meter.Final();
  return s;
}

}  // namespace

Status ImportVdi(Connection& conn, const std::string& vdi, Source& source, uint64_t length,
                 const TransferOptions& options) {
  BufferedImportSource buffered(source, std::max<size_t>(options.chunk_size, 256 << 10));
  return ImportFrom(
      conn, vdi, buffered, [length]() -> Result<uint64_t> { return length; }, options);
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
  FanoutRing ring(
      chunk * std::max<size_t>(options.ring_chunks, 2), targets.size(), observer ? 1 : 0,
      /*observer_batch=*/chunk * std::max<size_t>(options.ring_chunks, 2) / 4, options.cancel);
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
  TransferMeter meter(export_options);
  NullVisitor visitor;
  vhd::StreamParser parser(&visitor);

  // The targets start at once: each creates its task and learns where to send (the redirect
  // probe) while the export's header and BAT are on their way, then waits for the length.
  for (size_t i = 0; i < targets.size(); ++i) {
    threads.emplace_back(InheritLogSink([&, i] {
      RingImportSource src(&ring, i);
      result.targets[i] = ImportFrom(
          *targets[i].conn, targets[i].vdi, src, [&ring] { return ring.WaitStart(); },
          target_options);
      states[i].store(static_cast<int>(result.targets[i].ok() ? TargetProgress::State::kDone
                                                              : TargetProgress::State::kFailed));
      ring.Drop(i);
      if (!result.targets[i].ok()) {
        XCR_LOG(WARN) << "pipe target " << i << " (VDI " << targets[i].vdi
                      << ") failed and is dropped: " << result.targets[i].ToString();
      }
    }));
  }
  auto start_observer = [&] {
    threads.emplace_back(InheritLogSink([&, id = targets.size()] {
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
    }));
  };

  RingDestination dest(ring, parser, [&](uint64_t length) {
    meter.total = length;
    if (observer) start_observer();
    ring.Start(length);
  });
  result.source =
      WithTransferTask(source, "xcr export " + vdi, options, [&](const std::string& task) {
        Status s = StreamExport(source, vdi, base, task, dest, export_options, &meter);
        if (s.ok()) {
          s = parser.Finish().WithContext("export of VDI " + vdi + " ended early");
          if (!s.ok()) s = HostReason(source, task, options, s);
        }
        ring.Close(s);
        return s;
      });
  ring.Close(result.source);  // no-op if already closed by the stream; else wakes the targets
  for (auto& t : threads) t.join();
  // An observer failing after the last byte (its Finish) fails the transfer too.
  if (result.source.ok() && !observed.ok()) result.source = observed;
  result.bytes = meter.bytes();
  result.stopped_by_targets = !result.source.ok() && ring.StoppedByTargets();
  if (!result.source.ok()) {
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
