// CommandLine: how every xcr tool reads its arguments, on CLI11 (Debian libcli11-dev).
//
// A tool builds a CLI::App (and one sub-App per command), registers its flags, and hands it to
// Parse(). The conventions are the same in every tool:
//   - "--flag value" and "--flag=value"; "-h"/"--help" on the tool and on each command prints
//     that command's usage text (the hand-written one given to SetUsage) on stdout, exit 0;
//   - "--version" prints "TOOL (xcr VERSION)" on stdout, exit 0;
//   - a usage error (unknown option, missing value, bad number, unexpected argument) prints
//     "TOOL: MESSAGE" and the usage of the command at fault on stderr, exit 2;
//   - client flags (client_flags.h) are accepted before or after the command name.
// Thread-safety: none; used from main() only.
#ifndef XCR_CLI_COMMAND_LINE_H_
#define XCR_CLI_COMMAND_LINE_H_

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace xcr::cli {

// "0.1.0": the project version, as CMake knows it.
const char* Version();

// Attaches the hand-written usage text `usage` to `app`: printed for --help on that app and
// after each usage error in it. Also installs -h/--help and (on a top-level app) --version.
void SetUsage(CLI::App* app, std::string usage);

// Once `command` is on the command line, the words after it are its own: a job, VM, replica or
// file named like a command ("demo", "create": `xcr job run demo`, `xcr verify ... replicas`) is
// an argument, not the command of that name. (CLI11 otherwise matches any word against the
// commands of every enclosing level first.) For every command that takes positionals.
void WordsAreArguments(CLI::App* command);

// Parses `args` (argv without argv[0]) into `app`. Returns nullopt when the tool should go on,
// else the exit code to return at once (0 after --help/--version, 2 after a usage error; both
// already printed). `tool` prefixes messages ("xcr").
std::optional<int> Parse(CLI::App* app, const std::string& tool, std::vector<std::string> args);

// Prints "TOOL: MESSAGE" and `app`'s usage on stderr; returns 2. For the checks a tool makes
// after parsing (a flag that needs another, a bad combination).
int UsageError(const CLI::App& app, const std::string& tool, const std::string& message);

// The values an option received, in command-line order, across its repetitions.
std::vector<std::string> Values(const CLI::Option* option);

// The (option name, value) pairs of `app`'s options in the order they appeared, e.g. to pair
// each --sr with the --target before it. Names are the options' long names ("--target").
std::vector<std::pair<std::string, std::string>> InOrder(const CLI::App& app);

}  // namespace xcr::cli

#endif  // XCR_CLI_COMMAND_LINE_H_
