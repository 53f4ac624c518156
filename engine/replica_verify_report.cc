#include "engine/replica_verify_report.h"

namespace xcr::engine {
namespace {

const char* kRecorded = "the digest recorded by its run";

std::string SourceDisk(const DiskVerification& d) {
  return "the source snapshot disk " + d.source_vdi;
}

// What every comparison made on these disks was against, for the success sentence.
std::string Against(const std::vector<DiskVerification>& disks) {
  bool source = false, recorded = false;
  for (const DiskVerification& d : disks) {
    source = source || d.compared_source;
    recorded = recorded || d.compared_recorded;
  }
  if (source && recorded) return "the digests recorded by its run and its source snapshot";
  return source ? "its source snapshot" : "the digests recorded by its run";
}

}  // namespace

bool VerifyPassed(const std::vector<DiskVerification>& disks) {
  if (disks.empty()) return false;
  for (const DiskVerification& d : disks) {
    if (!d.equal()) return false;
  }
  return true;
}

std::string VerifyDiskLine(const DiskVerification& d) {
  std::string line = "disk " + d.userdevice + " (VDI " + d.replica_vdi + "): ";
  if (!d.status.ok()) return line + "ERROR " + d.status.ToString();
  std::string parts;
  auto part = [&](bool equal, const std::string& what) {
    parts += (parts.empty() ? "" : ", ") +
             std::string(equal ? "identical to " : "DIFFERENT from ") + what;
  };
  if (d.compared_recorded) part(d.recorded_equal(), kRecorded);
  if (d.compared_source) part(d.source_equal(), SourceDisk(d));
  if (parts.empty()) parts = "not compared";
  line += parts + " (" + d.replica_digest.substr(0, 31) + "…)";
  if (!d.note.empty()) line += "; " + d.note;
  return line;
}

std::string VerifySummary(const std::vector<DiskVerification>& disks) {
  if (disks.empty()) return "VERIFY FAILED: the replica has no disk, so there is nothing to verify";
  if (VerifyPassed(disks)) return "replica verified: content equals " + Against(disks);
  std::string problems;
  bool different = false, unreadable = false;
  for (const DiskVerification& d : disks) {
    if (d.equal()) continue;
    std::string p = "disk " + d.userdevice;
    if (!d.status.ok()) {
      unreadable = true;
      p += " could not be checked: " + d.status.ToString();
    } else if (!d.compared_source && !d.compared_recorded) {
      p += " was not compared" + (d.note.empty() ? std::string() : ": " + d.note);
    } else {
      different = true;
      std::string what;
      if (d.compared_recorded && !d.recorded_equal()) what = kRecorded;
      if (d.compared_source && !d.source_equal()) {
        what += (what.empty() ? "" : " and ") + SourceDisk(d);
      }
      p += " is DIFFERENT from " + what;
    }
    problems += (problems.empty() ? "" : "; ") + p;
  }
  std::string advice;
  if (different) {
    advice =
        ". Do not recover from this replica: delete it so the next run sends a full copy, then "
        "verify that one";
  } else if (unreadable) {
    advice =
        ". Check that the pools answer (test them on the Pools page or with `xcr pool "
        "test`) and verify again";
  }
  return "VERIFY FAILED: " + problems + advice;
}

nlohmann::json VerifyReportJson(const std::string& replica,
                                const std::vector<DiskVerification>& disks) {
  nlohmann::json out = nlohmann::json::array();
  for (const DiskVerification& v : disks) {
    nlohmann::json compared = nlohmann::json::array();
    if (v.compared_recorded) compared.push_back("recorded");
    if (v.compared_source) compared.push_back("source");
    nlohmann::json dj = {{"userdevice", v.userdevice},
                         {"replica_vdi", v.replica_vdi},
                         {"source_vdi", v.source_vdi},
                         {"compared", compared},
                         {"equal", v.equal()}};
    if (!v.replica_digest.empty()) dj["replica_digest"] = v.replica_digest;
    if (v.compared_source) {
      dj["source_digest"] = v.source_digest;
      dj["equal_source"] = v.source_equal();
    }
    if (!v.recorded_digest.empty()) {
      dj["recorded_digest"] = v.recorded_digest;
      dj["recorded_scope"] = v.recorded_scope;
    }
    if (v.compared_recorded) dj["equal_recorded"] = v.recorded_equal();
    if (!v.note.empty()) dj["note"] = v.note;
    if (!v.status.ok()) dj["error"] = v.status.ToString();
    out.push_back(std::move(dj));
  }
  return {{"replica", replica},
          {"ok", VerifyPassed(disks)},
          {"summary", VerifySummary(disks)},
          {"disks", out}};
}

}  // namespace xcr::engine
