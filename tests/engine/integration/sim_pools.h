// Two in-process xapi-sim pools (source with VMs, empty target) and logged-in connections, for
// engine tests over real loopback sockets. Servers stop in the destructor.
#ifndef XCR_TESTS_ENGINE_INTEGRATION_SIM_POOLS_H_
#define XCR_TESTS_ENGINE_INTEGRATION_SIM_POOLS_H_

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/pool_catalog.h"
#include "sim/server.h"
#include "tests/testutil/status_matchers.h"
#include "tests/testutil/temp_dir.h"
#include "xapi/api.h"
#include "xapi/connection.h"

namespace xcr::engine::testing {

class SimPool {
 public:
  SimPool(const std::string& dir, int vms, uint64_t disk_size, uint64_t sr_size = 1ull << 40,
          int members = 0) {
    sim::Server::Options o;
    o.members = members;
    o.state_dir = dir;
    o.populate = vms;
    o.disk_size = disk_size;
    o.sr_size = sr_size;
    server_ = std::make_unique<sim::Server>(o);
  }
  ~SimPool() {
    conn_.reset();  // log out while the server still answers
    server_->Stop();
  }

  // Starts the pool and logs in at the master, or at its first member host when via_member.
  Status Start(bool via_member = false) {
    XCR_RETURN_IF_ERROR(server_->Start());
    xapi::SessionOptions so;
    so.password = "xapi-sim";
    std::string url = via_member ? server_->member_urls().at(0) : server_->url();
    XCR_ASSIGN_OR_RETURN(conn_, xapi::Connection::Open(url, so));
    return Status::OK();
  }
  xapi::Connection& conn() { return *conn_; }
  std::string url() const { return server_->url(); }

  // The ref of the (only) SR.
  Result<std::string> SrUuid() {
    XCR_ASSIGN_OR_RETURN(auto srs, xapi::GetAllRecords<xapi::SrRecord>(*conn_));
    for (const auto& [ref, sr] : srs) return sr.uuid;
    return Status::NotFound("no SR");
  }
  Result<PoolCatalog> Catalog() { return LoadPoolCatalog(*conn_); }
  // Guest writes: `length` bytes of `byte` at `offset` of the VDI.
  Status Write(const std::string& vdi_ref, uint64_t offset, uint64_t length, int byte) {
    return conn_
        ->Call("sim.write_pattern",
               {xapi::Value(vdi_ref), xapi::Value(static_cast<int64_t>(offset)),
                xapi::Value(static_cast<int64_t>(length)), xapi::Value(byte)})
        .status();
  }
  // SHA-256 of the VDI's raw content, computed by the simulator.
  Result<std::string> Sha256(const std::string& vdi_ref) {
    XCR_ASSIGN_OR_RETURN(xapi::Value v, conn_->Call("sim.vdi_sha256", {xapi::Value(vdi_ref)}));
    return v.AsString();
  }
  // The pool's first VM that is neither a snapshot nor a template (populated pools: "the" VM).
  Result<VmView> FirstVm() {
    XCR_ASSIGN_OR_RETURN(PoolCatalog cat, Catalog());
    for (const VmView& v : cat.vms) {
      if (!v.is_a_snapshot && !v.is_a_template) return v;
    }
    return Status::NotFound("no VM on " + url());
  }
  Status Fault(const std::string& method, xapi::Array args) {
    return conn_->Call(method, std::move(args)).status();
  }

 private:
  std::unique_ptr<sim::Server> server_;
  std::unique_ptr<xapi::Connection> conn_;
};

}  // namespace xcr::engine::testing

#endif  // XCR_TESTS_ENGINE_INTEGRATION_SIM_POOLS_H_
