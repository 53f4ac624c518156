// Small text helpers shared by the parsers of headers, credentials files, UUIDs and
// fingerprints. Thread-safety: pure functions.
#ifndef XCR_BASE_TEXT_H_
#define XCR_BASE_TEXT_H_

#include <string>
#include <string_view>

namespace xcr {

// The value of hex digit `c` (0-9, a-f, A-F), or -1.
int HexDigitValue(char c);

// `s` without leading blanks (space, tab) and trailing blanks or carriage return (a CRLF line
// with its LF already cut).
std::string_view TrimBlanks(std::string_view s);

// `s` with ASCII letters lower-cased (names, keywords and UUIDs compared case-insensitively).
std::string AsciiLower(std::string_view s);

}  // namespace xcr

#endif  // XCR_BASE_TEXT_H_
