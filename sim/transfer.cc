#include "sim/transfer.h"

#include <algorithm>
#include <cstring>

#include "base/logging.h"
#include "sim/vm_ops.h"
#include "sim/xapi_names.h"
#include "vhd/bitmap.h"
#include "vhd/stream_reader.h"
#include "vhd/stream_writer.h"
#include "xapi/base64.h"

namespace xcr::sim {
namespace {

constexpr size_t kSmallWrite = 64 << 10;
constexpr size_t kBufferSize = 1 << 20;

void SendSimple(net::HttpConnection& conn, int status,
                std::vector<std::pair<std::string, std::string>> headers, const std::string& body) {
  headers.emplace_back("Content-Length", std::to_string(body.size()));
  headers.emplace_back("Connection", "close");
  std::string out = net::ResponseHead(status, headers) + body;
  (void)conn.WriteAll(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(out.data()), out.size()));
}

std::string CookieSession(const std::string& cookie) {
  size_t p = cookie.find("session_id=");
  if (p == std::string::npos) return "";
  std::string v = cookie.substr(p + 11);
  return v.substr(0, v.find(';'));
}

// Lock held. The session to charge the transfer to: "" if none is valid. Basic credentials
// create a session (as XAPI does for a password login).
bool Authenticate(Service& svc, const net::HttpRequest& req, std::string* session) {
  std::string s = req.Query("session_id");
  if (s.empty()) s = CookieSession(req.Header("cookie"));
  if (!s.empty()) {
    if (!svc.SessionValidLocked(s)) return false;
    *session = s;
    return true;
  }
  std::string auth = req.Header("authorization");
  if (auth.rfind("Basic ", 0) == 0) {
    Result<std::string> decoded = xapi::DecodeBase64(auth.substr(6));
    std::string up = decoded.ok() ? std::move(decoded).value() : std::string();
    size_t colon = up.find(':');
    if (colon != std::string::npos &&
        svc.CheckPassword(up.substr(0, colon), up.substr(colon + 1))) {
      *session = svc.NewSessionLocked(up.substr(0, colon), "http-basic");
      return true;
    }
  }
  return false;
}

// Lock held. A VDI by ref or uuid.
std::string ResolveVdi(Service& svc, const std::string& id) {
  if (svc.db().Get("VDI", id) != nullptr) return id;
  auto ref = svc.db().FindByUuid("VDI", id);
  return ref ? *ref : std::string();
}

// The sink of an export: small writes are gathered, large ones go straight to the socket; a
// cut fault ends the stream after N bytes, a throttle paces it.
class ExportSink : public Sink {
 public:
  ExportSink(net::HttpConnection& conn, Env* env, std::optional<uint64_t> cut, uint64_t rate)
      : conn_(conn), env_(env), cut_(cut), rate_(rate), start_(env->NowMicros()) {
    buf_.reserve(kBufferSize);
  }
  Status Write(std::span<const uint8_t> data) override {
    if (data.size() >= kSmallWrite) {
      XCR_RETURN_IF_ERROR(Flush());
      return Send(data);
    }
    if (buf_.size() + data.size() > kBufferSize) XCR_RETURN_IF_ERROR(Flush());
    buf_.insert(buf_.end(), data.begin(), data.end());
    return Status::OK();
  }
  Status Flush() {
    if (buf_.empty()) return Status::OK();
    Status s = Send(buf_);
    buf_.clear();
    return s;
  }
  uint64_t sent() const { return sent_; }

 private:
  Status Send(std::span<const uint8_t> data) {
    if (cut_ && sent_ + data.size() > *cut_) {
      (void)conn_.WriteAll(data.first(static_cast<size_t>(*cut_ - sent_)));
      sent_ = *cut_;
      return Status::Unavailable("export cut after " + std::to_string(*cut_) + " bytes by a fault");
    }
    XCR_RETURN_IF_ERROR(conn_.WriteAll(data));
    sent_ += data.size();
    Pace(env_, start_, sent_, rate_);
    return Status::OK();
  }

 public:
  static void Pace(Env* env, uint64_t start, uint64_t bytes, uint64_t rate) {
    if (rate == 0) return;
    uint64_t due = start + bytes * 1000000 / rate;
    uint64_t now = env->NowMicros();
    if (due > now) env->SleepForMicros(due - now);
  }

 private:
  net::HttpConnection& conn_;
  Env* env_;
  std::optional<uint64_t> cut_;
  uint64_t rate_;
  uint64_t start_;
  uint64_t sent_ = 0;
  std::vector<uint8_t> buf_;
};

// The body of an import: at most `limit` bytes (Content-Length), cut and throttled by faults.
class ImportSource : public Source {
 public:
  ImportSource(net::HttpConnection& conn, Env* env, std::optional<uint64_t> limit,
               std::optional<uint64_t> cut, uint64_t rate)
      : conn_(conn), env_(env), limit_(limit), cut_(cut), rate_(rate), start_(env->NowMicros()) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    uint64_t max = buf.size();
    if (limit_) max = std::min<uint64_t>(max, *limit_ - got_);
    if (cut_) max = std::min<uint64_t>(max, *cut_ - got_);
    if (max == 0) {
      if (cut_ && got_ >= *cut_ && (!limit_ || got_ < *limit_)) {
        return Status::Unavailable("import cut after " + std::to_string(*cut_) +
                                   " bytes by a fault");
      }
      return size_t{0};
    }
    XCR_ASSIGN_OR_RETURN(size_t n, conn_.ReadSome(buf.first(static_cast<size_t>(max))));
    got_ += n;
    ExportSink::Pace(env_, start_, got_, rate_);
    return n;
  }
  uint64_t got() const { return got_; }

 private:
  net::HttpConnection& conn_;
  Env* env_;
  std::optional<uint64_t> limit_;
  std::optional<uint64_t> cut_;
  uint64_t rate_;
  uint64_t start_;
  uint64_t got_ = 0;
};

// Lock held: the task is cancelled (or gone).
bool TaskStopped(Service& svc, const std::string& task) {
  const Struct* t = svc.db().Get("task", task);
  return t == nullptr || FieldString(*t, "status") != "pending";
}

// Moves a transfer's task progress on in tenths as the bytes go (done of total), and tells
// whether the task was cancelled (or destroyed) meanwhile.
class Progress {
 public:
  Progress(Service& svc, std::string task) : svc_(svc), task_(std::move(task)) {}
  // True: stop, the task is no longer pending.
  bool Tick(uint64_t done, uint64_t total) {
    std::lock_guard<std::mutex> l(svc_.mutex());
    if (TaskStopped(svc_, task_)) return true;
    int step = total == 0 ? 0 : static_cast<int>(done * Service::kProgressSteps / total);
    if (step > step_ && step < Service::kProgressSteps) {
      step_ = step;
      svc_.SetTaskProgressLocked(task_, static_cast<double>(step) / Service::kProgressSteps);
    }
    return false;
  }

 private:
  Service& svc_;
  std::string task_;
  int step_ = 0;
};

void Finish(Service& svc, const std::string& task, const Result<Value>& r, const char* what) {
  std::lock_guard<std::mutex> l(svc.mutex());
  if (!r.ok()) {
    XCR_LOG(WARN) << what << " failed: " << r.status().ToString();
  }
  if (!TaskStopped(svc, task)) svc.FinishTaskLocked(task, r);
  svc.CommitLocked();
}

Status IoError(const Status& s) {
  if (s.code() == StatusCode::kRemoteError) return s;
  if (s.code() == StatusCode::kResourceExhausted) return SrFullError();
  return XapiError("VDI_IO_ERROR", {s.ToString()});
}

struct Prepared {
  int status = 200;  // != 200: refused before the headers
  std::string realm;
  std::string body;
  std::string vdi, disk, base_disk, task, format, uuid, base_uuid;
};

// Lock held: the checks made before any header is sent.
Prepared Prepare(Service& svc, const net::HttpRequest& req, bool import) {
  Prepared p;
  std::string session;
  if (import && !req.Header("transfer-encoding").empty()) {
    p.status = 404;
    p.body = "Transfer-Encoding is not supported";
    return p;
  }
  if (!Authenticate(svc, req, &session)) {
    p.status = 401;
    p.realm = import ? "VDI.import" : "VDI.export_raw";
    return p;
  }
  std::string id = req.Query("vdi");
  if (id.empty()) {
    p.status = 400;
    p.body = "missing vdi";
    return p;
  }
  p.format = req.Query("format").empty() ? "raw" : req.Query("format");
  if (p.format != "raw" && p.format != "vhd") {
    p.status = 404;
    p.body = "unknown format " + p.format;
    return p;
  }
  p.vdi = ResolveVdi(svc, id);
  if (p.vdi.empty()) {
    p.status = 500;
    p.body = "HANDLE_INVALID VDI " + id;
    return p;
  }
  p.disk = FieldString(*svc.db().Get("VDI", p.vdi), "location");
  p.uuid = FieldString(*svc.db().Get("VDI", p.vdi), "uuid");
  if (!import && !req.Query("base").empty()) {
    std::string base = ResolveVdi(svc, req.Query("base"));
    if (base.empty()) {
      p.status = 500;
      p.body = "HANDLE_INVALID VDI " + req.Query("base");
      return p;
    }
    p.base_disk = FieldString(*svc.db().Get("VDI", base), "location");
    p.base_uuid = FieldString(*svc.db().Get("VDI", base), "uuid");
  }
  std::string task = req.Query("task_id");
  if (!task.empty() && svc.db().Get("task", task) == nullptr) {
    p.status = 500;
    p.body = "HANDLE_INVALID task " + task;
    return p;
  }
  if (import && req.content_length && *req.content_length == 0) return p;  // the probe
  p.task =
      task.empty() ? svc.NewTaskLocked(import ? "VDI.import" : "VDI.export_raw", session) : task;
  svc.CommitLocked();
  return p;
}

void SendRefusal(net::HttpConnection& conn, const Prepared& p) {
  std::vector<std::pair<std::string, std::string>> h;
  if (p.status == 401) h.emplace_back("WWW-Authenticate", "Basic realm=\"" + p.realm + "\"");
  h.emplace_back("Content-Type", "text/plain");
  SendSimple(conn, p.status, h, p.body);
}

Status RunExport(Service& svc, const Prepared& p, ExportSink& sink) {
  BlockStore& store = svc.store();
  XCR_ASSIGN_OR_RETURN(uint64_t size, store.VirtualSize(p.disk));
  std::vector<uint32_t> blocks;
  if (p.base_disk.empty()) {
    XCR_ASSIGN_OR_RETURN(blocks, store.AllocatedBlocks(p.disk));
  } else {
    XCR_ASSIGN_OR_RETURN(blocks, store.DiffBlocks(p.disk, p.base_disk));
  }
  std::vector<uint8_t> block(BlockStore::kBlockSize);
  Progress progress(svc, p.task);
  if (p.format == "raw") {
    std::vector<bool> want;
    if (!p.base_disk.empty()) {
      want.assign(size / BlockStore::kBlockSize + 1, false);
      for (uint32_t b : blocks) want[b] = true;
    }
    for (uint64_t off = 0; off < size; off += BlockStore::kBlockSize) {
      uint32_t b = static_cast<uint32_t>(off / BlockStore::kBlockSize);
      if (want.empty() || want[b]) {
        XCR_RETURN_IF_ERROR(store.ReadBlock(p.disk, b, block));
      } else {
        std::memset(block.data(), 0, block.size());
      }
      size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), size - off));
      XCR_RETURN_IF_ERROR(sink.Write(std::span<const uint8_t>(block.data(), n)));
      if (progress.Tick(off + n, size)) return Status::Cancelled("task cancelled");
    }
    return sink.Flush();
  }
  vhd::StreamLayout layout;
  layout.virtual_size = size;
  layout.block_size = static_cast<uint32_t>(BlockStore::kBlockSize);
  layout.creator_app = {'t', 'a', 'p', '\0'};
  auto uuid = Uuid::Parse(p.uuid);
  if (uuid.ok()) layout.disk_uuid = *uuid;
  layout.blocks = blocks;
  if (!p.base_disk.empty()) {
    layout.type = vhd::DiskType::kDifferencing;
    XCR_ASSIGN_OR_RETURN(layout.parent_uuid, Uuid::Parse(p.base_uuid));
    layout.parent_name = p.base_uuid + ".vhd";
  }
  XCR_ASSIGN_OR_RETURN(vhd::StreamWriter writer, vhd::StreamWriter::Create(std::move(layout)));
  XCR_RETURN_IF_ERROR(writer.WriteMetadata(sink));
  size_t k = 0;
  for (uint32_t b : blocks) {
    XCR_RETURN_IF_ERROR(store.ReadBlock(p.disk, b, block));
    uint64_t off = uint64_t{b} * BlockStore::kBlockSize;
    if (size - off < block.size()) {
      std::memset(block.data() + (size - off), 0, block.size() - (size - off));
    }
    XCR_RETURN_IF_ERROR(writer.WriteBlock(sink, b, {}, block));
    if (progress.Tick(++k, blocks.size())) return Status::Cancelled("task cancelled");
  }
  XCR_RETURN_IF_ERROR(writer.Finish(sink));
  return sink.Flush();
}

Status RunImport(Service& svc, const Prepared& p, ImportSource& src,
                 std::optional<uint64_t> content_length) {
  BlockStore& store = svc.store();
  XCR_ASSIGN_OR_RETURN(uint64_t size, store.VirtualSize(p.disk));
  if (svc.faults().sr_full()) return SrFullError();
  if (p.format == "raw") {
    if (!content_length) return XapiError("VDI_IO_ERROR", {"raw import needs Content-Length"});
    if (*content_length > size) {
      return XapiError("VDI_TOO_SMALL",
                       {p.vdi, std::to_string(size), std::to_string(*content_length)});
    }
    std::vector<uint8_t> buf(kBufferSize);
    Progress progress(svc, p.task);
    uint64_t off = 0;
    while (off < *content_length) {
      if (progress.Tick(off, *content_length)) return Status::Cancelled("task cancelled");
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), *content_length - off));
      Status s = ReadFull(src, std::span<uint8_t>(buf.data(), want), "import body");
      if (!s.ok()) return s;
      XCR_RETURN_IF_ERROR(store.Write(p.disk, off, std::span<const uint8_t>(buf.data(), want)));
      off += want;
    }
    return store.Commit();
  }
  vhd::StreamReader reader(&src);
  XCR_RETURN_IF_ERROR(reader.ReadMetadata());
  if (reader.footer().current_size > size) {
    return XapiError("VDI_TOO_SMALL",
                     {p.vdi, std::to_string(size), std::to_string(reader.footer().current_size)});
  }
  uint32_t bs = reader.header().block_size;
  uint32_t sectors = bs / 512;
  vhd::StreamReader::Block b;
  Progress progress(svc, p.task);
  while (true) {
    XCR_ASSIGN_OR_RETURN(bool more, reader.Next(&b));
    if (!more) break;
    uint64_t base = uint64_t{b.index} * bs;
    if (progress.Tick(base, size)) return Status::Cancelled("task cancelled");
    Status s;
    vhd::ForEachSetRun(b.bitmap, sectors, [&](vhd::SectorRun run) {
      if (!s.ok()) return;
      uint64_t off = base + uint64_t{run.first} * 512;
      if (off >= size) return;
      uint64_t len = std::min<uint64_t>(uint64_t{run.count} * 512, size - off);
      s = store.Write(p.disk, off, b.data.subspan(uint64_t{run.first} * 512, len));
    });
    XCR_RETURN_IF_ERROR(s);
  }
  return store.Commit();
}

}  // namespace

void ServeExport(Service& svc, const net::HttpRequest& req, net::HttpConnection& conn) {
  Prepared p;
  {
    std::lock_guard<std::mutex> l(svc.mutex());
    p = Prepare(svc, req, false);
  }
  if (p.status != 200) return SendRefusal(conn, p);
  XCR_LOG(DEBUG) << "transfer export " << p.uuid << " task " << p.task;
  std::vector<std::pair<std::string, std::string>> h = {
      {"Connection", "close"},
      {"task-id", p.task},
      {"Content-Type", p.format == "vhd" ? "application/vhd" : "application/octet-stream"},
      {"Content-Disposition",
       "attachment; filename=\"" + p.uuid + (p.format == "vhd" ? ".vhd\"" : ".raw\"")}};
  std::string head = net::ResponseHead(200, h);
  Status s = conn.WriteAll(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(head.data()), head.size()));
  ExportSink sink(conn, svc.env(), svc.faults().TakeTransferCut("export"), svc.faults().throttle());
  if (s.ok()) s = RunExport(svc, p, sink);
  Finish(svc, p.task, s.ok() ? Result<Value>(Value()) : Result<Value>(IoError(s)), "export");
}

void ServeImport(Service& svc, const net::HttpRequest& req, net::HttpConnection& conn) {
  Prepared p;
  {
    std::lock_guard<std::mutex> l(svc.mutex());
    p = Prepare(svc, req, true);
  }
  if (p.status != 200) return SendRefusal(conn, p);
  if (p.task.empty()) return SendSimple(conn, 200, {}, "");  // the empty-body probe
  XCR_LOG(DEBUG) << "transfer import " << p.uuid << " task " << p.task;
  std::string head = net::ResponseHead(200, {{"Connection", "close"}, {"task-id", p.task}});
  Status s = conn.WriteAll(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(head.data()), head.size()));
  ImportSource src(conn, svc.env(), req.content_length, svc.faults().TakeTransferCut("import"),
                   svc.faults().throttle());
  if (s.ok()) s = RunImport(svc, p, src, req.content_length);
  if (s.ok() && req.content_length) {
    // Bytes after the VHD's trailing footer are read and dropped; an early end is a short body.
    std::vector<uint8_t> rest(64 << 10);
    while (s.ok() && src.got() < *req.content_length) {
      Result<size_t> n = src.Read(rest);
      if (!n.ok()) s = n.status();
      if (!n.ok() || *n == 0) break;
    }
  }
  if (s.ok() && req.content_length && src.got() < *req.content_length) {
    s = XapiError("VDI_IO_ERROR", {"short body: " + std::to_string(src.got()) + " of " +
                                   std::to_string(*req.content_length) + " bytes"});
  }
  {
    std::lock_guard<std::mutex> l(svc.mutex());
    svc.RefreshUsageLocked(p.vdi);
  }
  Finish(svc, p.task, s.ok() ? Result<Value>(Value(p.vdi)) : Result<Value>(IoError(s)), "import");
}

}  // namespace xcr::sim
