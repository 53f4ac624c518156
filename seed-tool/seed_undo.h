// The undo record of a seed: every field a seed changed, on every object, with its value before
// the seed and the value the seed wrote. It is stored as JSON in the target VM's other_config
// under xcr:seed:undo (engine/other_config_keys.h), written BEFORE the changes are applied, so
// even a seed interrupted half-way can be undone:
//
//   {"version":1,"job":"J","schedule":"S","source_snapshot":"uuid","target_vm":"uuid",
//    "changes":[{"pool":"source"|"target","class":"VM"|"VDI","uuid":"..","object":"..",
//                "field":"other_config"|"blocked_operations"|"name_label"|"tag","key":"..",
//                "before":"..."|null,"after":"..."|null}, ...]}
//
// A later seed of the same pair merges into the record and keeps the oldest `before` of each
// field, so the record always leads back to the state before the FIRST seed.
// Thread-safety: pure functions.
#ifndef XCR_SEED_TOOL_SEED_UNDO_H_
#define XCR_SEED_TOOL_SEED_UNDO_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "seed-tool/seed_plan.h"

namespace xcr::seed {

struct UndoRecord {
  std::string job_id;
  std::string schedule_id;
  std::string source_snapshot_uuid;
  std::string target_vm_uuid;
  std::vector<Change> changes;  // refs are not recorded: objects are found again by uuid
};

std::string EncodeUndoRecord(const UndoRecord& record);
// kCorruption (naming what is wrong) for anything but a record EncodeUndoRecord wrote.
Result<UndoRecord> DecodeUndoRecord(std::string_view json);

// The record to write before applying `changes`: `existing` (if any) with each change's field
// added (keeping an existing entry's `before`, updating its `after`).
UndoRecord MergeUndoRecord(const std::optional<UndoRecord>& existing, const UndoRecord& fresh);

// Finds an object's current state by pool, class and uuid; null when it no longer exists.
using ObjectLookup = std::function<const ObjectState*(Change::Pool pool, const std::string& cls,
                                                      const std::string& uuid)>;

struct UndoPlan {
  std::vector<Change> changes;    // to apply, in reverse order of the seed's
  std::vector<std::string> gone;  // objects of the record that no longer exist (nothing to do)
};

// For each recorded field: still the seeded value -> a change back to `before`; already equal to
// `before` -> nothing. kFailedPrecondition listing every field changed by someone else since
// the seed (neither value): undo then changes nothing, so no one's later edit is overwritten.
Result<UndoPlan> PlanUndo(const UndoRecord& record, const ObjectLookup& lookup);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_SEED_UNDO_H_
