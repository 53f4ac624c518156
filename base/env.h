// Env: every file-system, clock and sleep operation xcr performs goes through an Env, so logic
// (scheduling, retention, storage) is tested with a fake clock or a failing disk, without
// sleeping and without touching the real file system where that matters.
//
// Env::Default() is the POSIX implementation; EnvWrapper forwards everything to another Env and
// is the base for test doubles (fault injection, fake clocks).
//
// Thread-safety: Env implementations are safe for concurrent use. File objects are not: use one
// per thread.
#ifndef XCR_BASE_ENV_H_
#define XCR_BASE_ENV_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/stream.h"

namespace xcr {

// A file read at arbitrary offsets.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to buf.size() bytes at offset. Returns fewer only at end of file (0 past it).
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const = 0;
  virtual Result<uint64_t> Size() const = 0;
};

// A file written sequentially from its start (truncated on open). As a Sink it can be the end of
// a stream pipeline.
class WritableFile : public Sink {
 public:
  // Write() appends. Sync() makes written data durable. Close() syncs nothing, releases the fd;
  // it is called by the destructor if needed.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// A file read and written at arbitrary offsets (sparse disk images in the simulator).
class RandomRWFile : public RandomAccessFile {
 public:
  virtual Status WriteAt(uint64_t offset, std::span<const uint8_t> data) = 0;
  // Sets the size; growing leaves a hole (reads as zeros, uses no space).
  virtual Status Truncate(uint64_t size) = 0;
  virtual Status Sync() = 0;
};

class Env {
 public:
  virtual ~Env() = default;
  // The process-wide POSIX Env. Never null; never destroyed.
  static Env* Default();

  virtual Result<std::unique_ptr<Source>> NewSequentialFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  // Creates or truncates path. mode is applied on creation.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                int mode = 0644) = 0;
  // Opens path read-write, creating it (empty) if create is true and it does not exist.
  virtual Result<std::unique_ptr<RandomRWFile>> NewRandomRWFile(const std::string& path,
                                                                bool create) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  // The permission bits (st_mode & 07777) of path.
  virtual Result<uint32_t> GetFileMode(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from` (rename(2)).
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Creates path and any missing parents; OK if it exists.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Names (not paths) of the entries of dir, without "." and "..".
  virtual Result<std::vector<std::string>> ListDir(const std::string& dir) = 0;
  // fsync of a directory, so a rename in it is durable.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Monotonic clock, for durations and deadlines.
  virtual uint64_t NowMicros() = 0;
  // Wall clock: microseconds since the Unix epoch, for timestamps users see.
  virtual int64_t NowUnixMicros() = 0;
  virtual void SleepForMicros(uint64_t micros) = 0;

  // Helpers built on the primitives above.
  // Reads a whole file; kResourceExhausted if it is larger than max_bytes.
  Result<std::string> ReadFileToString(const std::string& path, uint64_t max_bytes = 64 << 20);
  // Writes data to path durably and atomically: temp file, fsync, rename, fsync of the dir.
  Status WriteFileAtomic(const std::string& path, std::string_view data, int mode = 0644);
};

// Forwards every call to a target Env; override what a test needs to change.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Result<std::unique_ptr<Source>> NewSequentialFile(const std::string& p) override {
    return target_->NewSequentialFile(p);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return target_->NewRandomAccessFile(p);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p, int mode) override {
    return target_->NewWritableFile(p, mode);
  }
  Result<std::unique_ptr<RandomRWFile>> NewRandomRWFile(const std::string& p, bool c) override {
    return target_->NewRandomRWFile(p, c);
  }
  bool FileExists(const std::string& p) override { return target_->FileExists(p); }
  Result<uint64_t> GetFileSize(const std::string& p) override { return target_->GetFileSize(p); }
  Result<uint32_t> GetFileMode(const std::string& p) override { return target_->GetFileMode(p); }
  Status RemoveFile(const std::string& p) override { return target_->RemoveFile(p); }
  Status RenameFile(const std::string& f, const std::string& t) override {
    return target_->RenameFile(f, t);
  }
  Status CreateDirs(const std::string& p) override { return target_->CreateDirs(p); }
  Result<std::vector<std::string>> ListDir(const std::string& d) override {
    return target_->ListDir(d);
  }
  Status SyncDir(const std::string& d) override { return target_->SyncDir(d); }
  uint64_t NowMicros() override { return target_->NowMicros(); }
  int64_t NowUnixMicros() override { return target_->NowUnixMicros(); }
  void SleepForMicros(uint64_t m) override { target_->SleepForMicros(m); }

 private:
  Env* target_;
};

// Joins two path parts with exactly one '/'.
std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace xcr

#endif  // XCR_BASE_ENV_H_
