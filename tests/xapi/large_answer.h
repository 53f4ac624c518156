// A large XAPI answer for decoder tests and the XML-RPC benchmark (bench/xapi/xmlrpc_bench.cc):
// VM.get_all_records of `vms` records of 30-odd fields each, as on a big pool (1,000 VMs make
// about 2.7 MB), in XAPI's success envelope. Record "OpaqueRef:vm-<i>" has field_0..field_24
// ("value of field <f> & more"), VBDs, other_config, memory (4294967296), is_a_template and
// snapshot_time (the epoch).
#ifndef XCR_TESTS_XAPI_LARGE_ANSWER_H_
#define XCR_TESTS_XAPI_LARGE_ANSWER_H_

#include <cstdint>
#include <string>

#include "xapi/xmlrpc.h"

namespace xcr::xapi::testing {

inline std::string LargeVmRecordsAnswer(int vms) {
  Struct records;
  for (int vm = 0; vm < vms; ++vm) {
    Struct rec;
    for (int f = 0; f < 25; ++f) {
      rec["field_" + std::to_string(f)] = "value of field " + std::to_string(f) + " & more";
    }
    rec["VBDs"] = Array{"OpaqueRef:a", "OpaqueRef:b", "OpaqueRef:c"};
    rec["other_config"] = Struct{{"k1", "v1"}, {"k2", "v2"}};
    rec["memory"] = int64_t{4294967296};
    rec["is_a_template"] = false;
    rec["snapshot_time"] = DateTime{"19700101T00:00:00Z"};
    records["OpaqueRef:vm-" + std::to_string(vm)] = Value(std::move(rec));
  }
  return EncodeSuccess(Value(std::move(records)));
}

}  // namespace xcr::xapi::testing

#endif  // XCR_TESTS_XAPI_LARGE_ANSWER_H_
