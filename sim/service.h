// Service: the simulated XAPI pool master — the object model, the storage, the XML-RPC method
// table and its dispatch (sessions, Async.* tasks, events, faults).
//
// A call goes: decode -> method lookup (MESSAGE_METHOD_UNKNOWN) -> parameter count
// (MESSAGE_PARAMETER_COUNT_MISMATCH) -> session check (SESSION_INVALID) -> armed fault -> handler,
// under the service mutex; then the state is saved if it changed and event.from waiters are
// woken. event.from waits on a condition variable, releasing the mutex, so it never blocks other
// calls. Disk transfers (transfer.h) take the mutex only to look things up and to finish tasks.
//
// Thread-safety: every public method is safe to call concurrently.
#ifndef XCR_SIM_SERVICE_H_
#define XCR_SIM_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/env.h"
#include "base/result.h"
#include "sim/block_store.h"
#include "sim/database.h"
#include "sim/faults.h"
#include "sim/xapi_names.h"
#include "xapi/value.h"

namespace xcr::sim {

struct ServiceOptions {
  std::string user = "root";
  std::string password = "xapi-sim";
  // Size of the default SR (its physical_size and the block store's capacity). Default 1 TiB.
  uint64_t sr_size = uint64_t{1} << 40;
  // host.address of the master (what HOST_IS_SLAVE and redirects point at).
  std::string address = "127.0.0.1";
};

class Service;

// What a handler sees: the call's arguments (args[0] is the session unless the method has
// none), the state, and the held lock.
struct Ctx {
  Service& svc;
  Database& db;
  BlockStore& store;
  const std::string& method;
  const Array& args;
  std::string session;
  std::unique_lock<std::mutex>& lock;
};

using Handler = std::function<Result<Value>(Ctx&)>;

struct MethodSpec {
  Handler fn;
  int min_args = 1;  // including the session
  int max_args = 1;
  bool needs_session = true;
  bool async = true;  // also served as Async.<name>
};

class Service {
 public:
  Service(Env* env, std::string state_dir, ServiceOptions options);
  ~Service();

  // Loads (or creates) the pool in the state directory.
  Status Open();

  struct RpcReply {
    int http_status = 200;
    std::string body;  // text/xml, or an HTML error page with a 500
  };
  // Decodes one XML-RPC request body and runs it.
  RpcReply HandleXmlRpc(std::string_view body);
  // The answer to system.listMethods: every method name, Async.* forms included.
  Value ListMethodsValue() const;

  // Calls served per wire protocol (sim.stats), counted by the front ends.
  enum class Protocol { kXmlRpc, kJsonRpc };
  void CountCall(Protocol p);
  int64_t calls_served(Protocol p) const;
  // Runs a method in-process (as if decoded from the wire) and returns its value or the XAPI
  // failure as Status::Remote.
  Result<Value> Call(const std::string& method, const Array& params);

  // Adds n halted VMs, each with one disk of disk_size holding data in some blocks, on the
  // default SR, with a VIF on the pool network. Returns the VM refs.
  Result<std::vector<std::string>> Populate(int n, uint64_t disk_size);

  // Wakes every event.from waiter and every pending Async task's worker and waits for those
  // workers to end (a task still waiting fails with INTERNAL_ERROR). Idempotent.
  void Shutdown();

  // --- for handlers and transfers -------------------------------------------------------
  void Register(const std::string& name, MethodSpec spec);
  std::vector<std::string> MethodNames() const;
  std::mutex& mutex() { return mu_; }
  Database& db() { return db_; }
  BlockStore& store() { return store_; }
  Faults& faults() { return faults_; }
  Env* env() { return env_; }
  const ServiceOptions& options() const { return options_; }
  bool shutting_down() const { return shutdown_; }
  // Waits for a new event or the deadline (monotonic micros); the lock must be held.
  void WaitForEvents(std::unique_lock<std::mutex>& lock, uint64_t deadline_micros);
  // After a mutation outside a call (transfers): saves state, wakes waiters. Lock held.
  void CommitLocked();
  // Lock held. Runs work on its own thread after delay_micros (0: at once), with the lock held;
  // the work sees shutting_down() when the service stops first.
  void RunLaterLocked(uint64_t delay_micros,
                      std::function<void(std::unique_lock<std::mutex>&)> work);
  // Lock held. Waits (releasing the lock) until the deadline (monotonic micros) or shutdown;
  // if task is not empty, sets its progress to step/kProgressSteps as the time passes and
  // returns early once it is no longer pending (cancelled).
  void SleepLocked(std::unique_lock<std::mutex>& lock, uint64_t deadline_micros,
                   const std::string& task = "");
  static constexpr int kProgressSteps = 10;
  // Lock held. Sets a pending task's progress (0..1) and wakes event.from waiters.
  void SetTaskProgressLocked(const std::string& task, double progress);
  // Lock held: the task is finished or gone.
  bool TaskStoppedLocked(const std::string& task) const;

  // Lock held. Validates a session ref.
  bool SessionValidLocked(const std::string& ref) const;
  bool CheckPassword(const std::string& user, const std::string& password) const;
  // Lock held. Creates a session for user.
  std::string NewSessionLocked(const std::string& user, const std::string& originator);
  // Lock held. Task helpers: create (pending), finish with success/failure.
  std::string NewTaskLocked(const std::string& label, const std::string& session);
  void FinishTaskLocked(const std::string& task, const Result<Value>& outcome);
  // Lock held. The default SR / pool / master host refs.
  std::string DefaultSrLocked() const;
  std::string PoolLocked() const;
  std::string MasterLocked() const;
  // Lock held. Refreshes VDI.physical_utilisation and the SR's usage fields.
  void RefreshUsageLocked(const std::string& vdi);
  // Now, as an XAPI dateTime.
  Value NowDateTime();

 private:
  Result<Value> Dispatch(const std::string& method, const Array& params,
                         std::unique_lock<std::mutex>& lock);
  Status BootstrapLocked();
  // Runs the handler of a method whose session and arguments were checked (fault, delay, call).
  Result<Value> RunLocked(const std::string& name, const Array& params, const std::string& session,
                          std::unique_lock<std::mutex>& lock, const std::string& task);

  Env* env_;
  std::string dir_;
  ServiceOptions options_;
  mutable std::mutex mu_;
  std::condition_variable events_cv_;
  Database db_;
  BlockStore store_;
  Faults faults_;
  std::map<std::string, MethodSpec> methods_;
  bool shutdown_ = false;
  int workers_ = 0;  // RunLaterLocked threads alive
  std::condition_variable workers_cv_;
  std::atomic<int64_t> xmlrpc_calls_{0};
  std::atomic<int64_t> jsonrpc_calls_{0};
};

// The HTML page XAPI answers a malformed RPC body with (HTTP 500).
inline constexpr std::string_view kInternalErrorPage =
    "<html><body><h1>HTTP 500 internal server error</h1>An unexpected error occurred; please "
    "wait a while and try again.</body></html>";

// XAPI's error description of a failed call: [code, params...] (INTERNAL_ERROR for a Status
// that is not a XAPI failure).
std::vector<std::string> ErrorDescription(const Status& s);

// Handler helpers ---------------------------------------------------------------------------

// A XAPI failure: Status::Remote(code, params).
Status XapiError(std::string code, std::vector<std::string> params = {});
// The i-th argument as a string / int / bool / struct / array; FIELD_TYPE_ERROR otherwise.
Result<std::string> ArgString(const Ctx& c, size_t i);
Result<int64_t> ArgInt(const Ctx& c, size_t i);
Result<bool> ArgBool(const Ctx& c, size_t i);
Result<Struct> ArgStruct(const Ctx& c, size_t i);
Result<Array> ArgArray(const Ctx& c, size_t i);
// The record of ref (argument i) in cls; HANDLE_INVALID [cls; ref] if there is none.
Result<std::string> ArgRef(const Ctx& c, size_t i, const std::string& cls);
// A field of a record as string / int / bool / array of strings ("" / 0 / false / {} if absent).
std::string FieldString(const Struct& r, const std::string& f);
int64_t FieldInt(const Struct& r, const std::string& f);
bool FieldBool(const Struct& r, const std::string& f);
std::vector<std::string> FieldRefs(const Struct& r, const std::string& f);
// Converts 64-bit ints in v to untyped decimal strings (how XAPI sends ints).
Value IntsAsStrings(const Value& v);

// Registration of the method families (one file each).
void RegisterGenericMethods(Service& s);  // per-class getters/setters, get_all_records...
void RegisterSessionMethods(Service& s);  // session.*, task.*, event.*, pool/host
void RegisterVmMethods(Service& s);       // VM.*
void RegisterStorageMethods(Service& s);  // VDI.*, VBD.*, SR.*
void RegisterNetworkMethods(Service& s);  // network.*, VIF.*
void RegisterSimMethods(Service& s);      // sim.* (guest play, population, faults)

}  // namespace xcr::sim

#endif  // XCR_SIM_SERVICE_H_
