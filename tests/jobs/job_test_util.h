// Valid jobs and pools for the jobs tests, built field by field so each test changes one thing.
#ifndef XCR_TESTS_JOBS_JOB_TEST_UTIL_H_
#define XCR_TESTS_JOBS_JOB_TEST_UTIL_H_

#include <string>
#include <vector>

#include "jobs/job.h"
#include "jobs/job_field_error.h"
#include "jobs/pool_config.h"

namespace xcr::jobs::testing {

inline constexpr char kPoolA[] = "0a0a0a0a-0000-4000-8000-00000000000a";
inline constexpr char kPoolB[] = "0b0b0b0b-0000-4000-8000-00000000000b";
inline constexpr char kVm1[] = "11111111-1111-4111-8111-111111111111";
inline constexpr char kVm2[] = "22222222-2222-4222-8222-222222222222";

inline PoolConfig ValidPool(const char* id = kPoolA, const char* name = "dr-site") {
  PoolConfig p;
  p.id = id;
  p.name = name;
  p.urls = {std::string(id) == kPoolA ? "https://10.0.0.5" : "https://10.0.0.7"};
  p.user = "root";
  p.password = "s3cret-Pa55word";
  p.fingerprint = "SHA256:";  // 32 bytes 0xAB, colon-separated
  for (int i = 0; i < 32; ++i) p.fingerprint += i == 0 ? "AB" : ":AB";
  return p;
}

inline Job ValidJob() {
  Job j;
  j.id = "aaaaaaaa-0000-4000-8000-000000000001";
  j.name = "nightly";
  j.vms.ids = {kVm1, kVm2};
  j.srs = {{kPoolA, "sr-fast"}, {kPoolB, "33333333-3333-4333-8333-333333333333"}};
  Schedule s;
  s.id = "bbbbbbbb-0000-4000-8000-000000000001";
  s.name = "every night";
  s.cron = "0 22 * * *";
  s.timezone = "Europe/Paris";
  s.copy_retention = 3;
  s.snapshot_retention = 2;
  j.schedules.push_back(s);
  return j;
}

// The fields named by the errors, in order.
inline std::vector<std::string> Fields(const FieldErrors& errors) {
  std::vector<std::string> out;
  for (const FieldError& e : errors) out.push_back(e.field);
  return out;
}
template <typename... T>
std::vector<std::string> Strings(T... s) {
  return {std::string(s)...};
}

}  // namespace xcr::jobs::testing

#endif  // XCR_TESTS_JOBS_JOB_TEST_UTIL_H_
