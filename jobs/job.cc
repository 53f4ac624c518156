#include "jobs/job.h"

#include <algorithm>
#include <cctype>

#include "base/uuid.h"

namespace xcr::jobs {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool AnyShared(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return std::any_of(a.begin(), a.end(), [&](const std::string& x) { return Contains(b, x); });
}

}  // namespace

std::string_view ReportWhenName(ReportWhen when) {
  switch (when) {
    case ReportWhen::kAlways:
      return "always";
    case ReportWhen::kFailure:
      return "failure";
    case ReportWhen::kNever:
      return "never";
  }
  return "failure";
}

std::optional<ReportWhen> ParseReportWhen(std::string_view text) {
  for (ReportWhen w : {ReportWhen::kAlways, ReportWhen::kFailure, ReportWhen::kNever}) {
    if (text == ReportWhenName(w)) return w;
  }
  return std::nullopt;
}

bool VmPattern::Matches(const VmFacts& vm) const {
  if (!pools.empty() && !Contains(pools, vm.pool)) return false;
  if (Contains(not_pools, vm.pool)) return false;
  if (!tags.empty() && !AnyShared(tags, vm.tags)) return false;
  if (AnyShared(not_tags, vm.tags)) return false;
  return std::none_of(not_vms.begin(), not_vms.end(),
                      [&](const std::string& id) { return EqualsNoCase(id, vm.uuid); });
}

const Schedule* Job::FindSchedule(std::string_view schedule_id) const {
  for (const Schedule& s : schedules) {
    if (s.id == schedule_id) return &s;
  }
  return nullptr;
}

void AssignMissingIds(Job* job) {
  if (job->id.empty()) job->id = Uuid::Random().ToString();
  for (Schedule& s : job->schedules) {
    if (s.id.empty()) s.id = Uuid::Random().ToString();
  }
}

}  // namespace xcr::jobs
