// The timestamps Xen Orchestra writes into xo:backup:datetime: "YYYYMMDDTHH:MM:SSZ" (UTC).
// Replica names carry the colon-less form "YYYYMMDDTHHMMSSZ". Both sort chronologically as
// strings; the import placeholder "19700101T000000Z" sorts before every real value.
#ifndef XCR_ENGINE_BACKUP_DATETIME_H_
#define XCR_ENGINE_BACKUP_DATETIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace xcr::engine {

// Unix seconds -> "20261123T09:41:07Z".
std::string FormatBackupDatetime(int64_t unix_seconds);
// Unix microseconds -> RFC 3339 in UTC with milliseconds, "2026-11-23T09:41:07.123Z" (JSON).
std::string FormatRfc3339(int64_t unix_us);
// Unix seconds -> "20261123T094107Z" (for names).
std::string FormatCompactDatetime(int64_t unix_seconds);
// Parses either form (with or without colons) to Unix seconds; kInvalidArgument otherwise.
Result<int64_t> ParseBackupDatetime(std::string_view text);
// A sort key for a replica or snapshot: the datetime normalised to the compact form, or "" when
// absent/unparsable (sorts first). The placeholder maps to "19700101T000000Z".
std::string DatetimeSortKey(std::string_view text);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_BACKUP_DATETIME_H_
