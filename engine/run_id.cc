#include "engine/run_id.h"

#include <cstdio>
#include <string>

namespace xcr::engine {
namespace {

bool Allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '@' || c == '+' || c == '-';
}

// One character as a message shows it: "\n", "\t", "\x01", "' '" for a space, else itself.
std::string Shown(char c) {
  if (c == '\n') return "\\n";
  if (c == '\t') return "\\t";
  if (c == '\r') return "\\r";
  auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    return buf;
  }
  return std::string(1, c);
}

// The id with control and non-ASCII characters escaped, cut after 140 characters.
std::string Escaped(std::string_view id) {
  std::string out;
  for (char c : id.substr(0, 140)) out += Shown(c);
  if (id.size() > 140) out += "...";
  return out;
}

}  // namespace

Status CheckRunId(std::string_view id, std::string_view what) {
  const std::string rule = ": an id is 1 to " + std::to_string(kMaxRunIdLength) +
                           " characters of A-Z a-z 0-9 . _ : @ + -";
  if (id.empty()) return Status::InvalidArgument(std::string(what) + " is empty" + rule);
  if (id.size() > kMaxRunIdLength) {
    return Status::InvalidArgument(std::string(what) + " is " + std::to_string(id.size()) +
                                   " characters long" + rule);
  }
  for (char c : id) {
    if (Allowed(c)) continue;
    std::string name = c == ' '    ? "a space"
                       : c == '\n' ? "a newline"
                       : c == '\t' ? "a tab"
                       : c == '/'  ? "a slash"
                                   : "'" + Shown(c) + "'";
    return Status::InvalidArgument(std::string(what) + " '" + Escaped(id) + "' holds " + name +
                                   rule);
  }
  return Status::OK();
}

Status CheckRunIds(std::string_view job_id, std::string_view schedule_id) {
  Status s = CheckRunId(job_id, "job id");
  return s.ok() ? CheckRunId(schedule_id, "schedule id") : s;
}

}  // namespace xcr::engine
