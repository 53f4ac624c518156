// Database: the simulator's object model — every object of every served class as a full record
// (a Struct with all datamodel fields), indexed by ref and uuid, plus the event log that
// event.from reads.
//
// Each mutation appends an event {id, timestamp, class, operation add|mod|del, ref, snapshot} and
// marks the database dirty; Save() writes the whole state atomically (temp file + rename) as JSON.
//
// Thread-safety: none; the owner (Service) serializes access with its own mutex.
#ifndef XCR_SIM_DATABASE_H_
#define XCR_SIM_DATABASE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "sim/xapi_names.h"
#include "xapi/value.h"

namespace xcr::sim {

struct Event {
  uint64_t id = 0;
  double timestamp = 0;
  std::string cls;        // XAPI class name ("VM"); sent lower-case
  std::string operation;  // add | mod | del
  std::string ref;
  Value snapshot;  // the record after the change; nil on del
};

class Database {
 public:
  Database(Env* env, std::string path);

  // Loads the state file if present (a missing file is an empty database).
  Status Load();
  // Writes the state if anything changed since the last Save().
  Status SaveIfDirty();

  // Creates an object of class `cls` whose fields are the class defaults overridden by `fields`;
  // assigns "uuid" (unless given) and a ref. Returns the ref.
  std::string Create(const std::string& cls, const Struct& fields);
  // The record of ref in cls, or nullptr.
  const Struct* Get(const std::string& cls, const std::string& ref) const;
  // Sets one field and records a mod event. Returns false if the object does not exist.
  bool Set(const std::string& cls, const std::string& ref, const std::string& field, Value v);
  // Destroys an object (del event). Returns false if it did not exist.
  bool Destroy(const std::string& cls, const std::string& ref);
  // The ref of the object of cls with this uuid.
  std::optional<std::string> FindByUuid(const std::string& cls, const std::string& uuid) const;
  // All objects of a class (empty map if none).
  const std::map<std::string, Struct>& All(const std::string& cls) const;

  // Appends a mod event for ref without changing it (event.inject).
  uint64_t Touch(const std::string& cls, const std::string& ref);

  // Helpers for set-valued ref fields (VM.VBDs, SR.VDIs, ...): add/remove one element.
  void AddToSet(const std::string& cls, const std::string& ref, const std::string& field,
                const std::string& elem);
  void RemoveFromSet(const std::string& cls, const std::string& ref, const std::string& field,
                     const std::string& elem);

  // Events with id > after, oldest first. `*truncated` is set if events after `after` were
  // dropped from the bounded log (the caller then resends current state).
  std::vector<Event> EventsAfter(uint64_t after, bool* truncated) const;
  uint64_t last_event_id() const { return next_event_id_ - 1; }

  void set_clock(Env* env) { env_ = env; }

 private:
  void Emit(const std::string& cls, const std::string& op, const std::string& ref);

  Env* env_;
  std::string path_;
  std::map<std::string, std::map<std::string, Struct>> objects_;  // class -> ref -> record
  std::deque<Event> events_;
  uint64_t next_event_id_ = 1;
  bool dirty_ = false;
};

// "OpaqueRef:" + a fresh random UUID.
std::string NewRef();

}  // namespace xcr::sim

#endif  // XCR_SIM_DATABASE_H_
