// Handler lookup by the longest registered path prefix, per HTTP method, as XAPI does.
#include "sim/routes.h"

#include <gtest/gtest.h>

namespace xcr::sim {
namespace {

TEST(RoutesTest, LongestPrefixPerMethod) {
  EXPECT_EQ(MatchRoute("POST", "/"), Route::kXmlRpc);
  EXPECT_EQ(MatchRoute("POST", "/RPC2"), Route::kXmlRpc);
  EXPECT_EQ(MatchRoute("POST", "/xmlrpc"), Route::kXmlRpc);
  EXPECT_EQ(MatchRoute("POST", "/jsonrpc"), Route::kJsonRpc);
  EXPECT_EQ(MatchRoute("POST", "/jsonrpc/"), Route::kJsonRpc);
  EXPECT_EQ(MatchRoute("POST", "/json"), Route::kXmlRpc);
  EXPECT_EQ(MatchRoute("GET", "/export_raw_vdi"), Route::kExport);
  EXPECT_EQ(MatchRoute("GET", "/export_raw_vdi/"), Route::kExport);
  EXPECT_EQ(MatchRoute("PUT", "/import_raw_vdi"), Route::kImport);
  EXPECT_EQ(MatchRoute("PUT", "/import_raw_vdi/"), Route::kImport);
}

TEST(RoutesTest, WrongMethodOrUnknownPathIsNone) {
  EXPECT_EQ(MatchRoute("GET", "/"), Route::kNone);
  EXPECT_EQ(MatchRoute("GET", "/jsonrpc"), Route::kNone);
  EXPECT_EQ(MatchRoute("PUT", "/export_raw_vdi/"), Route::kNone);
  EXPECT_EQ(MatchRoute("GET", "/import_raw_vdi/"), Route::kNone);
  EXPECT_EQ(MatchRoute("GET", "/export_raw"), Route::kNone);
  EXPECT_EQ(MatchRoute("DELETE", "/import_raw_vdi"), Route::kNone);
}

}  // namespace
}  // namespace xcr::sim
