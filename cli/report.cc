#include "cli/report.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace xcr::cli {

int Fail(const std::string& tool, const Status& status, bool json, int exit_code) {
  std::cerr << tool << ": " << status.ToString() << "\n";
  if (json) {
    nlohmann::json j = {{"ok", false},
                        {"error", status.ToString()},
                        {"code", std::string(StatusCodeName(status.code()))},
                        {"exit", exit_code}};
    std::cout << j.dump(2) << "\n";
  }
  return exit_code;
}

}  // namespace xcr::cli
