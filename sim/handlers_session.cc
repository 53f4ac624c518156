// session.*, task.*, event.* and system methods.
#include <strings.h>

#include <cstdlib>

#include "sim/schema.h"
#include "sim/service.h"
#include "sim/xapi_names.h"

namespace xcr::sim {
namespace {

std::string Token(uint64_t id) { return std::to_string(id); }

bool ClassMatches(const Array& classes, const Event& e) {
  for (const Value& c : classes) {
    if (!c.is_string()) continue;
    const std::string& want = c.string();
    if (want == "*") return true;
    size_t slash = want.find('/');
    std::string cls = slash == std::string::npos ? want : want.substr(0, slash);
    if (cls.size() != e.cls.size() || strcasecmp(cls.c_str(), e.cls.c_str()) != 0) continue;
    if (slash == std::string::npos || want.substr(slash + 1) == e.ref) return true;
  }
  return false;
}

std::string Lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
  return s;
}

Value EventValue(const Event& e) {
  Struct s{{"id", Value(std::to_string(e.id))},
           {"timestamp", Value(std::to_string(static_cast<int64_t>(e.timestamp)))},
           {"class", Value(Lower(e.cls))},
           {"operation", Value(e.operation)},
           {"ref", Value(e.ref)}};
  if (!e.snapshot.is_nil()) s["snapshot"] = IntsAsStrings(e.snapshot);
  return Value(std::move(s));
}

Result<Value> EventFrom(Ctx& x) {
  XCR_ASSIGN_OR_RETURN(Array classes, ArgArray(x, 1));
  XCR_ASSIGN_OR_RETURN(std::string token, ArgString(x, 2));
  if (x.args[3].AsDouble().ok() == false) return XapiError("FIELD_TYPE_ERROR", {"timeout"});
  double timeout = *x.args[3].AsDouble();
  if (timeout < 0) timeout = 0;
  if (timeout > 3600) timeout = 3600;
  Array events;
  Struct counts;
  auto fill_counts = [&] {
    for (const ClassSpec& c : AllClassSpecs()) {
      bool wanted = false;
      for (const Value& v : classes) {
        if (!v.is_string()) continue;
        std::string w = v.string().substr(0, v.string().find('/'));
        if (w == "*" || strcasecmp(w.c_str(), c.name) == 0) wanted = true;
      }
      if (wanted) counts[Lower(c.name)] = Value(static_cast<int64_t>(x.db.All(c.name).size()));
    }
  };
  if (token.empty()) {
    // From the beginning: the current state of every object of the wanted classes.
    for (const ClassSpec& c : AllClassSpecs()) {
      for (const auto& [ref, rec] : x.db.All(c.name)) {
        Event e;
        e.id = x.db.last_event_id();
        e.cls = c.name;
        e.operation = "add";
        e.ref = ref;
        e.snapshot = Value(rec);
        if (ClassMatches(classes, e)) events.push_back(EventValue(e));
      }
    }
    fill_counts();
    return Value(Struct{{"events", Value(std::move(events))},
                        {"valid_ref_counts", Value(std::move(counts))},
                        {"token", Value(Token(x.db.last_event_id()))}});
  }
  char* end = nullptr;
  uint64_t after = std::strtoull(token.c_str(), &end, 10);
  if (end == token.c_str() || *end != '\0')
    return XapiError("EVENT_FROM_TOKEN_PARSE_FAILURE", {token});
  uint64_t deadline = x.svc.env()->NowMicros() + static_cast<uint64_t>(timeout * 1e6);
  while (true) {
    bool truncated = false;
    std::vector<Event> all = x.db.EventsAfter(after, &truncated);
    if (truncated) return XapiError("EVENTS_LOST");
    for (const Event& e : all) {
      if (ClassMatches(classes, e)) events.push_back(EventValue(e));
    }
    if (!all.empty()) after = all.back().id;
    if (!events.empty() || x.svc.env()->NowMicros() >= deadline || x.svc.shutting_down()) break;
    x.svc.WaitForEvents(x.lock, deadline);
  }
  fill_counts();
  return Value(Struct{{"events", Value(std::move(events))},
                      {"valid_ref_counts", Value(std::move(counts))},
                      {"token", Value(Token(after))}});
}

}  // namespace

void RegisterSessionMethods(Service& s) {
  s.Register(
      "session.login_with_password",
      {[](Ctx& x) -> Result<Value> {
         XCR_ASSIGN_OR_RETURN(std::string user, ArgString(x, 0));
         XCR_ASSIGN_OR_RETURN(std::string pwd, ArgString(x, 1));
         std::string originator;
         if (x.args.size() > 3 && x.args[3].is_string()) originator = x.args[3].string();
         if (!x.svc.CheckPassword(user, pwd)) {
           return XapiError("SESSION_AUTHENTICATION_FAILED", {user, "Authentication failure"});
         }
         return Value(x.svc.NewSessionLocked(user, originator));
       },
       2, 4, false, false});
  s.Register("session.logout", {[](Ctx& x) -> Result<Value> {
                                  x.db.Destroy("session", x.session);
                                  return Value();
                                },
                                1, 1, true, false});
  s.Register("task.create", {[](Ctx& x) -> Result<Value> {
                               XCR_ASSIGN_OR_RETURN(std::string label, ArgString(x, 1));
                               XCR_ASSIGN_OR_RETURN(std::string desc, ArgString(x, 2));
                               std::string t = x.svc.NewTaskLocked(label, x.session);
                               x.db.Set("task", t, "name_description", Value(desc));
                               return Value(t);
                             },
                             3, 3, true, false});
  s.Register("task.destroy", {[](Ctx& x) -> Result<Value> {
                                XCR_ASSIGN_OR_RETURN(std::string t, ArgRef(x, 1, "task"));
                                x.db.Destroy("task", t);
                                return Value();
                              },
                              2, 2});
  s.Register("task.cancel", {[](Ctx& x) -> Result<Value> {
                               XCR_ASSIGN_OR_RETURN(std::string t, ArgRef(x, 1, "task"));
                               const Struct& rec = *x.db.Get("task", t);
                               if (FieldString(rec, "status") != "pending") {
                                 return XapiError("OPERATION_NOT_ALLOWED",
                                                  {"task " + t + " is not pending"});
                               }
                               x.svc.FinishTaskLocked(t, Status::Cancelled("cancelled"));
                               return Value();
                             },
                             2, 2});
  s.Register("event.inject", {[](Ctx& x) -> Result<Value> {
                                XCR_ASSIGN_OR_RETURN(std::string cls, ArgString(x, 1));
                                const ClassSpec* c = FindClass(cls);
                                if (c == nullptr) return XapiError("HANDLE_INVALID", {cls});
                                XCR_ASSIGN_OR_RETURN(std::string ref, ArgRef(x, 2, c->name));
                                return Value(Token(x.db.Touch(c->name, ref)));
                              },
                              3, 3, true, false});
  s.Register("event.from", {EventFrom, 4, 4, true, false});
  s.Register("event.get_current_id", {[](Ctx& x) -> Result<Value> {
                                        return Value(static_cast<int64_t>(x.db.last_event_id()));
                                      },
                                      1, 1, true, false});
}

}  // namespace xcr::sim
