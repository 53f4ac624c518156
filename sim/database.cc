#include "sim/database.h"

#include <nlohmann/json.hpp>

#include "base/uuid.h"
#include "sim/schema.h"
#include "sim/xapi_names.h"
#include "xapi/value_json.h"

namespace xcr::sim {
namespace {
constexpr size_t kMaxEvents = 20000;
const std::map<std::string, Struct> kEmpty;
}  // namespace

std::string NewRef() { return "OpaqueRef:" + Uuid::Random().ToString(); }

Database::Database(Env* env, std::string path) : env_(env), path_(std::move(path)) {}

Status Database::Load() {
  if (!env_->FileExists(path_)) return Status::OK();
  XCR_ASSIGN_OR_RETURN(std::string text, env_->ReadFileToString(path_, 1ull << 30));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("bad state file " + path_);
  objects_.clear();
  if (j.contains("objects")) {
    for (auto c = j["objects"].begin(); c != j["objects"].end(); ++c) {
      for (auto o = c.value().begin(); o != c.value().end(); ++o) {
        auto v = ValueFromJson(o.value());
        if (!v.ok()) return v.status().WithContext("bad state file " + path_);
        if (v->is_struct()) objects_[c.key()][o.key()] = v->structure();
      }
    }
  }
  next_event_id_ = j.value("next_event_id", uint64_t{1});
  return Status::OK();
}

Status Database::SaveIfDirty() {
  if (!dirty_) return Status::OK();
  nlohmann::json objs = nlohmann::json::object();
  for (const auto& [cls, m] : objects_) {
    nlohmann::json c = nlohmann::json::object();
    for (const auto& [ref, rec] : m) c[ref] = ValueToJson(Value(rec));
    objs[cls] = std::move(c);
  }
  nlohmann::json j = {{"objects", std::move(objs)}, {"next_event_id", next_event_id_}};
  XCR_RETURN_IF_ERROR(env_->WriteFileAtomic(path_, j.dump()));
  dirty_ = false;
  return Status::OK();
}

std::string Database::Create(const std::string& cls, const Struct& fields) {
  const ClassSpec* spec = FindClass(cls);
  Struct rec = spec ? DefaultRecord(*spec) : Struct{};
  for (const auto& [k, v] : fields) rec[k] = v;
  auto u = rec.find("uuid");
  if (u == rec.end() || !u->second.is_string() || u->second.string().empty()) {
    rec["uuid"] = Uuid::Random().ToString();
  }
  std::string ref = NewRef();
  objects_[cls][ref] = std::move(rec);
  Emit(cls, "add", ref);
  return ref;
}

const Struct* Database::Get(const std::string& cls, const std::string& ref) const {
  auto c = objects_.find(cls);
  if (c == objects_.end()) return nullptr;
  auto o = c->second.find(ref);
  return o == c->second.end() ? nullptr : &o->second;
}

bool Database::Set(const std::string& cls, const std::string& ref, const std::string& field,
                   Value v) {
  auto c = objects_.find(cls);
  if (c == objects_.end()) return false;
  auto o = c->second.find(ref);
  if (o == c->second.end()) return false;
  o->second[field] = std::move(v);
  Emit(cls, "mod", ref);
  return true;
}

bool Database::Destroy(const std::string& cls, const std::string& ref) {
  auto c = objects_.find(cls);
  if (c == objects_.end() || c->second.erase(ref) == 0) return false;
  Emit(cls, "del", ref);
  return true;
}

std::optional<std::string> Database::FindByUuid(const std::string& cls,
                                                const std::string& uuid) const {
  for (const auto& [ref, rec] : All(cls)) {
    auto u = rec.find("uuid");
    if (u != rec.end() && u->second.is_string() && u->second.string() == uuid) return ref;
  }
  return std::nullopt;
}

const std::map<std::string, Struct>& Database::All(const std::string& cls) const {
  auto c = objects_.find(cls);
  return c == objects_.end() ? kEmpty : c->second;
}

uint64_t Database::Touch(const std::string& cls, const std::string& ref) {
  Emit(cls, "mod", ref);
  return next_event_id_ - 1;
}

void Database::AddToSet(const std::string& cls, const std::string& ref, const std::string& field,
                        const std::string& elem) {
  const Struct* rec = Get(cls, ref);
  if (rec == nullptr) return;
  Array a;
  auto f = rec->find(field);
  if (f != rec->end() && f->second.is_array()) a = f->second.array();
  for (const Value& e : a) {
    if (e.is_string() && e.string() == elem) return;
  }
  a.push_back(Value(elem));
  Set(cls, ref, field, Value(std::move(a)));
}

void Database::RemoveFromSet(const std::string& cls, const std::string& ref,
                             const std::string& field, const std::string& elem) {
  const Struct* rec = Get(cls, ref);
  if (rec == nullptr) return;
  auto f = rec->find(field);
  if (f == rec->end() || !f->second.is_array()) return;
  Array a;
  for (const Value& e : f->second.array()) {
    if (!(e.is_string() && e.string() == elem)) a.push_back(e);
  }
  Set(cls, ref, field, Value(std::move(a)));
}

std::vector<Event> Database::EventsAfter(uint64_t after, bool* truncated) const {
  std::vector<Event> out;
  *truncated = !events_.empty() && events_.front().id > after + 1;
  for (const Event& e : events_) {
    if (e.id > after) out.push_back(e);
  }
  return out;
}

void Database::Emit(const std::string& cls, const std::string& op, const std::string& ref) {
  dirty_ = true;
  Event e;
  e.id = next_event_id_++;
  e.timestamp = static_cast<double>(env_->NowUnixMicros()) / 1e6;
  e.cls = cls;
  e.operation = op;
  e.ref = ref;
  if (op != "del") {
    const Struct* rec = Get(cls, ref);
    if (rec != nullptr) e.snapshot = Value(*rec);
  }
  events_.push_back(std::move(e));
  if (events_.size() > kMaxEvents) events_.pop_front();
}

}  // namespace xcr::sim
