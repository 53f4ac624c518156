// Text checks shared by the validation of jobs and pools: what free-text fields may hold so that
// they can be stored, put in JSON (which must be UTF-8) and shown on one line.
// Thread-safety: pure functions.
#ifndef XCR_JOBS_JOB_TEXT_H_
#define XCR_JOBS_JOB_TEXT_H_

#include <string>
#include <string_view>

namespace xcr::jobs {

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool IsValidUtf8(std::string_view s);
// s with every byte that is not part of well-formed UTF-8 replaced by U+FFFD, so that text
// quoting bad input can still go into JSON.
std::string ToValidUtf8(std::string_view s);
// Any byte below 0x20 (tab, CR, LF included).
bool HasControlChar(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
// "http://" or "https://", something after it, no blanks or control characters.
bool LooksLikeHttpUrl(std::string_view s);
// The problem of a one-line free-text field, or null: "is not valid UTF-8", "control
// characters are not allowed".
const char* OneLineTextProblem(std::string_view s);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_TEXT_H_
