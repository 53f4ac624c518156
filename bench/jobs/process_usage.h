// What the jobs benchmarks measure of their own process: CPU time of every thread, peak resident
// memory, and voluntary context switches (a sleeping thread woken counts one).
#ifndef XCR_BENCH_JOBS_PROCESS_USAGE_H_
#define XCR_BENCH_JOBS_PROCESS_USAGE_H_

#include <sys/resource.h>

#include <ctime>

namespace xcr::bench {

// CLOCK_PROCESS_CPUTIME_ID, seconds.
inline double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// getrusage's ru_maxrss, MiB.
inline double PeakRssMiB() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

inline long VoluntarySwitches() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_nvcsw;
}

}  // namespace xcr::bench

#endif  // XCR_BENCH_JOBS_PROCESS_USAGE_H_
