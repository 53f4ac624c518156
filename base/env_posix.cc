// The POSIX Env: open(2)/pread(2)/pwrite(2) on file descriptors, clock_gettime, nanosleep.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "base/env.h"

namespace xcr {
namespace {

class FdHolder {
 public:
  FdHolder(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FdHolder() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdHolder(const FdHolder&) = delete;
  FdHolder& operator=(const FdHolder&) = delete;

 protected:
  Status CloseFd() {
    if (fd_ < 0) return Status::OK();
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? Status::OK() : Status::FromErrno(errno, "close " + path_);
  }
  Result<size_t> PreadSome(uint64_t offset, std::span<uint8_t> buf) const {
    size_t got = 0;
    while (got < buf.size()) {
      ssize_t n =
          ::pread(fd_, buf.data() + got, buf.size() - got, static_cast<off_t>(offset + got));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "read " + path_);
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    return got;
  }
  Result<uint64_t> FstatSize() const {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return Status::FromErrno(errno, "stat " + path_);
    return static_cast<uint64_t>(st.st_size);
  }

  int fd_;
  std::string path_;
};

class PosixSequentialFile final : public Source, FdHolder {
 public:
  using FdHolder::FdHolder;
  Result<size_t> Read(std::span<uint8_t> buf) override {
    for (;;) {
      ssize_t n = ::read(fd_, buf.data(), buf.size());
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return Status::FromErrno(errno, "read " + path_);
    }
  }
};

class PosixRandomAccessFile final : public RandomAccessFile, FdHolder {
 public:
  using FdHolder::FdHolder;
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const override {
    return PreadSome(offset, buf);
  }
  Result<uint64_t> Size() const override { return FstatSize(); }
};

class PosixWritableFile final : public WritableFile, FdHolder {
 public:
  using FdHolder::FdHolder;
  Status Write(std::span<const uint8_t> data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write " + path_);
      }
      done += static_cast<size_t>(n);
    }
    return Status::OK();
  }
  Status Finish() override { return Close(); }
  Status Sync() override {
    return ::fdatasync(fd_) == 0 ? Status::OK() : Status::FromErrno(errno, "fsync " + path_);
  }
  Status Close() override { return CloseFd(); }
};

class PosixRandomRWFile final : public RandomRWFile, FdHolder {
 public:
  using FdHolder::FdHolder;
  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> buf) const override {
    return PreadSome(offset, buf);
  }
  Result<uint64_t> Size() const override { return FstatSize(); }
  Status WriteAt(uint64_t offset, std::span<const uint8_t> data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::FromErrno(errno, "write " + path_);
      }
      done += static_cast<size_t>(n);
    }
    return Status::OK();
  }
  Status Truncate(uint64_t size) override {
    return ::ftruncate(fd_, static_cast<off_t>(size)) == 0
               ? Status::OK()
               : Status::FromErrno(errno, "truncate " + path_);
  }
  Status Sync() override {
    return ::fdatasync(fd_) == 0 ? Status::OK() : Status::FromErrno(errno, "fsync " + path_);
  }
};

Result<int> OpenFd(const std::string& path, int flags, int mode = 0644) {
  for (;;) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd >= 0) return fd;
    if (errno != EINTR) return Status::FromErrno(errno, "open " + path);
  }
}

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<Source>> NewSequentialFile(const std::string& path) override {
    XCR_ASSIGN_OR_RETURN(int fd, OpenFd(path, O_RDONLY));
    return std::unique_ptr<Source>(new PosixSequentialFile(fd, path));
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    XCR_ASSIGN_OR_RETURN(int fd, OpenFd(path, O_RDONLY));
    return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(fd, path));
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        int mode) override {
    XCR_ASSIGN_OR_RETURN(int fd, OpenFd(path, O_WRONLY | O_CREAT | O_TRUNC, mode));
    return std::unique_ptr<WritableFile>(new PosixWritableFile(fd, path));
  }
  Result<std::unique_ptr<RandomRWFile>> NewRandomRWFile(const std::string& path,
                                                        bool create) override {
    XCR_ASSIGN_OR_RETURN(int fd, OpenFd(path, O_RDWR | (create ? O_CREAT : 0)));
    return std::unique_ptr<RandomRWFile>(new PosixRandomRWFile(fd, path));
  }
  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
    return static_cast<uint64_t>(st.st_size);
  }
  Result<uint32_t> GetFileMode(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, "stat " + path);
    return static_cast<uint32_t>(st.st_mode & 07777);
  }
  Status RemoveFile(const std::string& path) override {
    return ::unlink(path.c_str()) == 0 ? Status::OK() : Status::FromErrno(errno, "remove " + path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return ::rename(from.c_str(), to.c_str()) == 0
               ? Status::OK()
               : Status::FromErrno(errno, "rename " + from + " to " + to);
  }
  Status CreateDirs(const std::string& path) override {
    if (path.empty()) return Status::OK();
    std::string cur;
    size_t pos = 0;
    while (pos != std::string::npos) {
      pos = path.find('/', pos + 1);
      cur = path.substr(0, pos);
      if (cur.empty()) continue;
      if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::FromErrno(errno, "mkdir " + cur);
      }
    }
    return Status::OK();
  }
  Result<std::vector<std::string>> ListDir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return Status::FromErrno(errno, "list " + dir);
    std::vector<std::string> out;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(std::move(name));
    }
    ::closedir(d);
    return out;
  }
  Status SyncDir(const std::string& dir) override {
    XCR_ASSIGN_OR_RETURN(int fd, OpenFd(dir, O_RDONLY | O_DIRECTORY));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    return rc == 0 ? Status::OK() : Status::FromErrno(err, "fsync " + dir);
  }
  uint64_t NowMicros() override {
    struct timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000 + static_cast<uint64_t>(ts.tv_nsec) / 1000;
  }
  int64_t NowUnixMicros() override {
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  }
  void SleepForMicros(uint64_t micros) override {
    struct timespec ts {
      static_cast<time_t>(micros / 1000000), static_cast<long>((micros % 1000000) * 1000)
    };
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv;  // never destroyed: usable from static destructors
  return env;
}

}  // namespace xcr
