// Typed XAPI records: the fields replication reads, decoded from get_record / get_all_records
// structs. Each record also keeps the raw Struct it came from (`raw`), so fields this client does
// not model — including ones added by newer XAPI versions — are kept, not dropped.
//
// Decoding is lenient about absent fields (older hosts lack some; they keep their defaults) and
// strict about types, the datamodel's: a field of the wrong XML-RPC type is kCorruption naming
// class and field, expected and received ("VM.power_state: expected a string, got an int (3)").
// Strings, refs, uuids and enums must be strings; maps (string -> string) structs of strings;
// sets arrays of strings. Ints and bools also accept XAPI's string forms ("42", "true").
// Datetimes are kept as the text XAPI sent (a dateTime.iso8601, or a string as JSON-RPC sends).
// Thread-safety: plain values.
#ifndef XCR_XAPI_RECORDS_H_
#define XCR_XAPI_RECORDS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "xapi/value.h"

namespace xcr::xapi {

using StringMap = std::map<std::string, std::string>;
using RefList = std::vector<std::string>;

struct VmRecord {
  static constexpr const char* kClass = "VM";
  std::string uuid, name_label, name_description;
  std::string power_state;  // Halted | Paused | Running | Suspended
  bool is_a_template = false, is_a_snapshot = false, is_control_domain = false;
  std::string snapshot_of;  // ref or OpaqueRef:NULL
  RefList snapshots;
  std::string snapshot_time;  // XAPI datetime text
  RefList VBDs, VIFs;
  StringMap other_config, blocked_operations, current_operations;
  std::vector<std::string> allowed_operations;
  Struct raw;
  static Result<VmRecord> Decode(const Value& v);
};

struct VdiRecord {
  static constexpr const char* kClass = "VDI";
  std::string uuid, name_label, name_description;
  std::string SR;
  int64_t virtual_size = 0, physical_utilisation = 0;
  std::string type;  // user | system | ...
  bool sharable = false, read_only = false, is_a_snapshot = false, cbt_enabled = false;
  StringMap other_config, sm_config;
  RefList VBDs, snapshots;
  std::string snapshot_of, snapshot_time;
  Struct raw;
  static Result<VdiRecord> Decode(const Value& v);
};

struct VbdRecord {
  static constexpr const char* kClass = "VBD";
  std::string uuid, VM, VDI, userdevice;
  bool bootable = false, empty = false, currently_attached = false;
  std::string mode;  // RO | RW
  std::string type;  // Disk | CD | Floppy
  StringMap other_config;
  Struct raw;
  static Result<VbdRecord> Decode(const Value& v);
};

struct VifRecord {
  static constexpr const char* kClass = "VIF";
  std::string uuid, device, network, VM, MAC;
  int64_t MTU = 0;
  StringMap other_config;
  Struct raw;
  static Result<VifRecord> Decode(const Value& v);
};

struct SrRecord {
  static constexpr const char* kClass = "SR";
  std::string uuid, name_label, name_description, type, content_type;
  int64_t physical_size = 0, physical_utilisation = 0, virtual_allocation = 0;
  bool shared = false;
  RefList PBDs, VDIs;
  StringMap other_config, sm_config;
  Struct raw;
  static Result<SrRecord> Decode(const Value& v);
};

struct PbdRecord {
  static constexpr const char* kClass = "PBD";
  std::string uuid, host, SR;
  bool currently_attached = false;
  StringMap device_config_keys_only;  // device_config with values dropped (may hold secrets)
  Struct raw;
  static Result<PbdRecord> Decode(const Value& v);
};

struct NetworkRecord {
  static constexpr const char* kClass = "network";
  std::string uuid, name_label, name_description, bridge;
  int64_t MTU = 0;
  RefList VIFs, PIFs;
  StringMap other_config;
  Struct raw;
  static Result<NetworkRecord> Decode(const Value& v);
};

struct HostRecord {
  static constexpr const char* kClass = "host";
  std::string uuid, name_label, hostname, address;
  int64_t API_version_major = 0, API_version_minor = 0;
  bool enabled = false;
  StringMap software_version, other_config;
  RefList resident_VMs, PBDs;
  Struct raw;
  static Result<HostRecord> Decode(const Value& v);
};

struct PoolRecord {
  static constexpr const char* kClass = "pool";
  std::string uuid, name_label, master, default_SR;
  StringMap other_config;
  Struct raw;
  static Result<PoolRecord> Decode(const Value& v);
};

struct TaskRecord {
  static constexpr const char* kClass = "task";
  std::string uuid, name_label, name_description;
  std::string status;  // pending | success | failure | cancelling | cancelled
  double progress = 0;
  std::string result;  // XML-RPC <value> fragment; empty for void
  std::vector<std::string> error_info;
  std::string created, finished;
  StringMap other_config;
  Struct raw;
  static Result<TaskRecord> Decode(const Value& v);
};

// One event from event.from.
struct Event {
  int64_t id = 0;
  std::string class_name;  // lower case: "vm", "task", ...
  std::string operation;   // add | mod | del
  std::string ref;
  Value snapshot;  // the full record; nil on del
};

struct EventBatch {
  std::vector<Event> events;
  std::string token;  // pass to the next event.from
  static Result<EventBatch> Decode(const Value& v);
};

// Helpers for decoding fields of any struct (used by the records above and by callers).
Result<StringMap> DecodeStringMap(const Value& v, std::string_view what);
Result<RefList> DecodeStringList(const Value& v, std::string_view what);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_RECORDS_H_
