#include "seed-tool/seed_undo.h"

#include <nlohmann/json.hpp>

namespace xcr::seed {
namespace {

using nlohmann::json;

constexpr int kVersion = 1;

const char* FieldName(Change::Field f) {
  switch (f) {
    case Change::Field::kOtherConfig:
      return "other_config";
    case Change::Field::kBlockedOperations:
      return "blocked_operations";
    case Change::Field::kNameLabel:
      return "name_label";
    case Change::Field::kTag:
      return "tag";
  }
  return "?";
}

Result<Change::Field> ParseField(const std::string& s) {
  if (s == "other_config") return Change::Field::kOtherConfig;
  if (s == "blocked_operations") return Change::Field::kBlockedOperations;
  if (s == "name_label") return Change::Field::kNameLabel;
  if (s == "tag") return Change::Field::kTag;
  return Status::Corruption("undo record: unknown field '" + s + "'");
}

json Optional(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

Result<std::optional<std::string>> OptionalString(const json& j, const char* name) {
  if (!j.contains(name)) return Status::Corruption(std::string("undo record: no '") + name + "'");
  const json& v = j.at(name);
  if (v.is_null()) return std::optional<std::string>();
  if (!v.is_string()) return Status::Corruption(std::string("undo record: '") + name + "' type");
  return std::optional<std::string>(v.get<std::string>());
}

Result<std::string> String(const json& j, const char* name) {
  if (!j.contains(name) || !j.at(name).is_string()) {
    return Status::Corruption(std::string("undo record: '") + name + "' missing or not a string");
  }
  return j.at(name).get<std::string>();
}

bool SameField(const Change& a, const Change& b) {
  return a.pool == b.pool && a.cls == b.cls && a.uuid == b.uuid && a.field == b.field &&
         a.key == b.key;
}

}  // namespace

std::string EncodeUndoRecord(const UndoRecord& r) {
  json changes = json::array();
  for (const Change& c : r.changes) {
    changes.push_back({{"pool", c.pool == Change::Pool::kSource ? "source" : "target"},
                       {"class", c.cls},
                       {"uuid", c.uuid},
                       {"object", c.object},
                       {"field", FieldName(c.field)},
                       {"key", c.key},
                       {"before", Optional(c.before)},
                       {"after", Optional(c.after)}});
  }
  json j = {{"version", kVersion},           {"job", r.job_id},
            {"schedule", r.schedule_id},     {"source_snapshot", r.source_snapshot_uuid},
            {"target_vm", r.target_vm_uuid}, {"changes", changes}};
  return j.dump();
}

Result<UndoRecord> DecodeUndoRecord(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("undo record: not a JSON object");
  }
  if (!j.contains("version") || j["version"] != kVersion) {
    return Status::Corruption("undo record: unknown version (written by a newer cr-seed?)");
  }
  UndoRecord r;
  XCR_ASSIGN_OR_RETURN(r.job_id, String(j, "job"));
  XCR_ASSIGN_OR_RETURN(r.schedule_id, String(j, "schedule"));
  XCR_ASSIGN_OR_RETURN(r.source_snapshot_uuid, String(j, "source_snapshot"));
  XCR_ASSIGN_OR_RETURN(r.target_vm_uuid, String(j, "target_vm"));
  if (!j.contains("changes") || !j["changes"].is_array()) {
    return Status::Corruption("undo record: 'changes' missing or not a list");
  }
  for (const json& e : j["changes"]) {
    if (!e.is_object()) return Status::Corruption("undo record: a change is not an object");
    Change c;
    XCR_ASSIGN_OR_RETURN(std::string pool, String(e, "pool"));
    if (pool != "source" && pool != "target") {
      return Status::Corruption("undo record: unknown pool '" + pool + "'");
    }
    c.pool = pool == "source" ? Change::Pool::kSource : Change::Pool::kTarget;
    XCR_ASSIGN_OR_RETURN(c.cls, String(e, "class"));
    if (c.cls != "VM" && c.cls != "VDI") {
      return Status::Corruption("undo record: unknown class '" + c.cls + "'");
    }
    XCR_ASSIGN_OR_RETURN(c.uuid, String(e, "uuid"));
    XCR_ASSIGN_OR_RETURN(c.object, String(e, "object"));
    XCR_ASSIGN_OR_RETURN(std::string field, String(e, "field"));
    XCR_ASSIGN_OR_RETURN(c.field, ParseField(field));
    XCR_ASSIGN_OR_RETURN(c.key, String(e, "key"));
    XCR_ASSIGN_OR_RETURN(c.before, OptionalString(e, "before"));
    XCR_ASSIGN_OR_RETURN(c.after, OptionalString(e, "after"));
    r.changes.push_back(std::move(c));
  }
  return r;
}

UndoRecord MergeUndoRecord(const std::optional<UndoRecord>& existing, const UndoRecord& fresh) {
  if (!existing) return fresh;
  UndoRecord out = *existing;
  for (const Change& c : fresh.changes) {
    bool merged = false;
    for (Change& e : out.changes) {
      if (SameField(e, c)) {
        e.after = c.after;  // `before` stays the value from before the first seed
        merged = true;
      }
    }
    if (!merged) out.changes.push_back(c);
  }
  for (Change& e : out.changes) e.ref.clear();
  return out;
}

Result<UndoPlan> PlanUndo(const UndoRecord& record, const ObjectLookup& lookup) {
  UndoPlan plan;
  std::string conflicts;
  for (auto it = record.changes.rbegin(); it != record.changes.rend(); ++it) {
    const Change& c = *it;
    const ObjectState* state = lookup(c.pool, c.cls, c.uuid);
    if (!state) {
      std::string gone = c.object + " (" + c.uuid + ")";
      if (plan.gone.empty() || plan.gone.back() != gone) plan.gone.push_back(gone);
      continue;
    }
    std::optional<std::string> now = FieldValue(*state, c.field, c.key);
    if (now == c.before) continue;
    if (now != c.after) {
      conflicts += "\n  " + c.object + " (" + c.uuid + "): " + DescribeField(c) + " is " +
                   (now ? "\"" + *now + "\"" : std::string("absent")) + ", the seed wrote " +
                   (c.after ? "\"" + *c.after + "\"" : std::string("absent"));
      continue;
    }
    Change back = c;
    back.ref = state->ref;
    back.before = now;
    back.after = c.before;
    plan.changes.push_back(std::move(back));
  }
  if (!conflicts.empty()) {
    return Status::FailedPrecondition(
        "these fields were changed since the seed, so undo would overwrite someone else's "
        "change; nothing was undone:" +
        conflicts);
  }
  return plan;
}

}  // namespace xcr::seed
