// Helpers for the store tests: a store in a fresh temporary state directory, and records.
#ifndef XCR_TESTS_JOBS_STORE_TEST_UTIL_H_
#define XCR_TESTS_JOBS_STORE_TEST_UTIL_H_

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "base/uuid.h"
#include "jobs/sqlite_store.h"
#include "tests/jobs/job_test_util.h"

namespace xcr::jobs::testing {

inline Result<std::unique_ptr<SqliteStore>> OpenStore(const std::string& dir) {
  SqliteStoreOptions options;
  options.state_dir = dir;
  return SqliteStore::Open(options);
}

inline RunRecord MakeRun(const std::string& job_id, int64_t start_us) {
  RunRecord r;
  r.id = Uuid::Random().ToString();
  r.job_id = job_id;
  r.job_name = "nightly";
  r.schedule_id = "bbbbbbbb-0000-4000-8000-000000000001";
  r.start_us = start_us;
  return r;
}

inline RunRecord Finished(RunRecord r, int64_t end_us, RunResult result = RunResult::kSuccess) {
  r.end_us = end_us;
  r.result = result;
  return r;
}

// The bytes of a file, or "" if it does not exist.
inline std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace xcr::jobs::testing

#endif  // XCR_TESTS_JOBS_STORE_TEST_UTIL_H_
