// xmlrpc_bench: decoding a large XAPI answer (VM.get_all_records of a big pool) with the
// client's XML-RPC decoder (DecodeResponse + UnwrapXapiResult + the result-shape check),
// against a baseline run side by side on the same bytes: libxml2 parsing the document into its
// own DOM tree (xmlReadMemory), the least any libxml2-based decoder must spend. Prints each
// one's median time and throughput over the runs, and the ratio.
//
//   xmlrpc_bench [--vms N (default 1000)] [--runs R (default 9)]
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "tests/xapi/large_answer.h"
#include "xapi/result_shape.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi {
namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Main(int argc, char** argv) {
  int vms = 1000, runs = 9;
  CLI::App app("xapi_xmlrpc_bench");
  cli::SetUsage(&app, "usage: xapi_xmlrpc_bench [--vms N] [--runs N]\n");
  app.add_option("--vms", vms)->check(CLI::PositiveNumber);
  app.add_option("--runs", runs)->check(CLI::PositiveNumber);
  if (auto rc = cli::Parse(&app, "xapi_xmlrpc_bench", {argv + 1, argv + argc})) return *rc;
  const std::string xml = testing::LargeVmRecordsAnswer(vms);
  std::vector<double> ours, dom;
  for (int r = 0; r < runs; ++r) {  // alternated, so load changes hit both alike
    double t0 = Now();
    Result<Value> v = DecodeResponse(xml);
    Result<Value> inner = v.ok() ? UnwrapXapiResult(*v) : v;
    if (!inner.ok() || !CheckResultShape("VM.get_all_records", *inner).ok() ||
        inner->structure().size() != static_cast<size_t>(vms)) {
      std::fprintf(stderr, "decode failed\n");
      return 1;
    }
    ours.push_back(Now() - t0);
    t0 = Now();
    xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                                  XML_PARSE_NONET | XML_PARSE_COMPACT);
    if (doc == nullptr) {
      std::fprintf(stderr, "libxml2 DOM parse failed\n");
      return 1;
    }
    xmlFreeDoc(doc);
    dom.push_back(Now() - t0);
  }
  const double mb = xml.size() / 1e6, a = Median(ours), b = Median(dom);
  std::printf("document: %d VM records, %.1f MB; %d runs, medians\n", vms, mb, runs);
  std::printf("%-44s %8.1f ms %8.1f MB/s\n", "DecodeResponse + unwrap + shape check", a * 1e3,
              mb / a);
  std::printf("%-44s %8.1f ms %8.1f MB/s\n", "baseline: libxml2 DOM parse (xmlReadMemory)", b * 1e3,
              mb / b);
  std::printf("ratio (decoder time / baseline time): %.2f\n", a / b);
  return 0;
}

}  // namespace
}  // namespace xcr::xapi

int main(int argc, char** argv) { return xcr::xapi::Main(argc, argv); }
