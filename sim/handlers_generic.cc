// Per-class methods driven by the datamodel: get_all, get_all_records, get_record, get_by_uuid,
// get_by_name_label, and the field getters/setters/map and set editors the datamodel lists.
#include <set>

#include "sim/schema.h"
#include "sim/service.h"
#include "sim/xapi_names.h"

namespace xcr::sim {
namespace {

bool HasMessage(const ClassSpec& c, const std::string& m) {
  for (size_t i = 0; i < c.message_count; ++i) {
    if (m == c.messages[i]) return true;
  }
  return false;
}

void RegisterField(Service& s, const ClassSpec& c, const FieldSpec& f) {
  std::string cls = c.name;
  std::string field = f.name;
  std::string getter = "get_" + field;
  if (HasMessage(c, getter)) {
    s.Register(cls + "." + getter, {[cls, field](Ctx& x) -> Result<Value> {
                                      XCR_ASSIGN_OR_RETURN(std::string ref, ArgRef(x, 1, cls));
                                      return x.db.Get(cls, ref)->at(field);
                                    },
                                    2, 2, true, false});
  }
  std::string setter = "set_" + field;
  if (HasMessage(c, setter)) {
    const FieldSpec* spec = &f;
    s.Register(cls + "." + setter, {[cls, field, spec](Ctx& x) -> Result<Value> {
                                      XCR_ASSIGN_OR_RETURN(std::string ref, ArgRef(x, 1, cls));
                                      if (!ValueFits(*spec, x.args[2])) {
                                        return XapiError("FIELD_TYPE_ERROR", {field});
                                      }
                                      x.db.Set(cls, ref, field, Normalize(*spec, x.args[2]));
                                      return Value();
                                    },
                                    3, 3});
  }
  if (f.kind == FieldKind::kMap) {
    if (HasMessage(c, "add_to_" + field)) {
      s.Register(
          cls + ".add_to_" + field,
          {[cls, field](Ctx& x) -> Result<Value> {
             XCR_ASSIGN_OR_RETURN(std::string ref, ArgRef(x, 1, cls));
             XCR_ASSIGN_OR_RETURN(std::string key, ArgString(x, 2));
             XCR_ASSIGN_OR_RETURN(std::string val, ArgString(x, 3));
             const Struct& rec = *x.db.Get(cls, ref);
             Struct m = rec.at(field).is_struct() ? rec.at(field).structure() : Struct{};
             if (m.count(key)) {
               return XapiError("MAP_DUPLICATE_KEY", {cls, field, FieldString(rec, "uuid"), key});
             }
             m[key] = Value(val);
             x.db.Set(cls, ref, field, Value(std::move(m)));
             return Value();
           },
           4, 4});
    }
    if (HasMessage(c, "remove_from_" + field)) {
      s.Register(cls + ".remove_from_" + field,
                 {[cls, field](Ctx& x) -> Result<Value> {
                    XCR_ASSIGN_OR_RETURN(std::string ref, ArgRef(x, 1, cls));
                    XCR_ASSIGN_OR_RETURN(std::string key, ArgString(x, 2));
                    const Struct& rec = *x.db.Get(cls, ref);
                    Struct m = rec.at(field).is_struct() ? rec.at(field).structure() : Struct{};
                    if (m.erase(key)) x.db.Set(cls, ref, field, Value(std::move(m)));
                    return Value();
                  },
                  3, 3});
    }
  }
  if (f.kind == FieldKind::kSet) {
    if (HasMessage(c, "add_" + field)) {
      s.Register(cls + ".add_" + field, {[cls, field](Ctx& x) -> Result<Value> {
                                           XCR_ASSIGN_OR_RETURN(std::string ref, ArgRef(x, 1, cls));
                                           XCR_ASSIGN_OR_RETURN(std::string v, ArgString(x, 2));
                                           x.db.AddToSet(cls, ref, field, v);
                                           return Value();
                                         },
                                         3, 3});
    }
    if (HasMessage(c, "remove_" + field)) {
      s.Register(cls + ".remove_" + field, {[cls, field](Ctx& x) -> Result<Value> {
                                              XCR_ASSIGN_OR_RETURN(std::string ref,
                                                                   ArgRef(x, 1, cls));
                                              XCR_ASSIGN_OR_RETURN(std::string v, ArgString(x, 2));
                                              x.db.RemoveFromSet(cls, ref, field, v);
                                              return Value();
                                            },
                                            3, 3});
    }
  }
}

}  // namespace

void RegisterGenericMethods(Service& s) {
  for (const ClassSpec& c : AllClassSpecs()) {
    std::string cls = c.name;
    s.Register(cls + ".get_all_records", {[cls](Ctx& x) -> Result<Value> {
                                            Struct out;
                                            for (const auto& [ref, rec] : x.db.All(cls)) {
                                              out[ref] = Value(rec);
                                            }
                                            return Value(std::move(out));
                                          },
                                          1, 1, true, false});
    s.Register(cls + ".get_all", {[cls](Ctx& x) -> Result<Value> {
                                    Array out;
                                    for (const auto& [ref, rec] : x.db.All(cls)) {
                                      out.push_back(Value(ref));
                                    }
                                    return Value(std::move(out));
                                  },
                                  1, 1, true, false});
    s.Register(cls + ".get_record", {[cls](Ctx& x) -> Result<Value> {
                                       XCR_ASSIGN_OR_RETURN(std::string ref, ArgRef(x, 1, cls));
                                       return Value(*x.db.Get(cls, ref));
                                     },
                                     2, 2, true, false});
    s.Register(cls + ".get_by_uuid", {[cls](Ctx& x) -> Result<Value> {
                                        XCR_ASSIGN_OR_RETURN(std::string uuid, ArgString(x, 1));
                                        auto ref = x.db.FindByUuid(cls, uuid);
                                        if (!ref) return XapiError("UUID_INVALID", {cls, uuid});
                                        return Value(*ref);
                                      },
                                      2, 2, true, false});
    if (c.FindField("name_label") != nullptr) {
      s.Register(cls + ".get_by_name_label", {[cls](Ctx& x) -> Result<Value> {
                                                XCR_ASSIGN_OR_RETURN(std::string label,
                                                                     ArgString(x, 1));
                                                Array out;
                                                for (const auto& [ref, rec] : x.db.All(cls)) {
                                                  if (FieldString(rec, "name_label") == label)
                                                    out.push_back(Value(ref));
                                                }
                                                return Value(std::move(out));
                                              },
                                              2, 2, true, false});
    }
    for (size_t i = 0; i < c.field_count; ++i) RegisterField(s, c, c.fields[i]);
  }
}

}  // namespace xcr::sim
