#include "seed-tool/seed_manifest.h"

#include <nlohmann/json.hpp>
#include <set>

#include "xapi/value_json.h"

namespace xcr::seed {
namespace {

using nlohmann::json;

constexpr int kMaxDepth = 64;

// Nesting depth of the JSON text (brackets outside strings), so a hostile file is refused
// before a parser walks it.
int NestingDepth(std::string_view text) {
  int depth = 0, max = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') max = std::max(max, ++depth);
    if (c == ']' || c == '}') --depth;
  }
  return max;
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsSafeFileName(std::string_view s) {
  // "<digits>-disk-<alnum>.vhd"
  size_t dash = s.find("-disk-");
  if (dash == 0 || dash == std::string_view::npos || s.size() < 5 ||
      s.substr(s.size() - 4) != ".vhd") {
    return false;
  }
  for (size_t i = 0; i < dash; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  std::string_view dev = s.substr(dash + 6, s.size() - 4 - dash - 6);
  if (dev.empty()) return false;
  for (char c : dev) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Field readers: kCorruption naming `where.key` on a missing or mistyped member.
class Reader {
 public:
  Reader(const json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}

  Result<const json*> Member(const char* key) const {
    auto it = obj_.find(key);
    if (it == obj_.end()) return Bad(key, "is missing");
    return &*it;
  }
  Result<std::string> String(const char* key, bool allow_empty = true) const {
    XCR_ASSIGN_OR_RETURN(const json* j, Member(key));
    if (!j->is_string()) return Bad(key, "is not a string");
    std::string s = j->get<std::string>();
    if (s.size() > kMaxFieldBytes) return Bad(key, "is longer than 4096 bytes");
    if (!allow_empty && s.empty()) return Bad(key, "is empty");
    return s;
  }
  Result<uint64_t> Unsigned(const char* key) const {
    XCR_ASSIGN_OR_RETURN(const json* j, Member(key));
    if (!j->is_number_unsigned()) return Bad(key, "is not a whole number >= 0");
    return j->get<uint64_t>();
  }
  Result<bool> Bool(const char* key) const {
    XCR_ASSIGN_OR_RETURN(const json* j, Member(key));
    if (!j->is_boolean()) return Bad(key, "is not true or false");
    return j->get<bool>();
  }
  Result<const json*> Object(const char* key) const {
    XCR_ASSIGN_OR_RETURN(const json* j, Member(key));
    if (!j->is_object()) return Bad(key, "is not an object");
    return j;
  }
  Result<const json*> Array(const char* key, size_t max) const {
    XCR_ASSIGN_OR_RETURN(const json* j, Member(key));
    if (!j->is_array()) return Bad(key, "is not an array");
    if (j->size() > max) return Bad(key, "has more than " + std::to_string(max) + " entries");
    return j;
  }
  Status Bad(std::string_view key, std::string_view what) const {
    return Status::Corruption("seed manifest: " + where_ + "." + std::string(key) + " " +
                              std::string(what));
  }
  const std::string& where() const { return where_; }

 private:
  const json& obj_;
  std::string where_;
};

Result<SeedDisk> ParseDisk(const json& j, size_t i) {
  std::string where = "disks[" + std::to_string(i) + "]";
  if (!j.is_object()) return Status::Corruption("seed manifest: " + where + " is not an object");
  Reader r(j, where);
  SeedDisk d;
  XCR_ASSIGN_OR_RETURN(d.userdevice, r.String("userdevice", false));
  XCR_ASSIGN_OR_RETURN(d.bootable, r.Bool("bootable"));
  XCR_ASSIGN_OR_RETURN(d.vdi_uuid, r.String("vdi_uuid", false));
  XCR_ASSIGN_OR_RETURN(d.name_label, r.String("name_label"));
  XCR_ASSIGN_OR_RETURN(d.name_description, r.String("name_description"));
  XCR_ASSIGN_OR_RETURN(d.virtual_size, r.Unsigned("virtual_size"));
  XCR_ASSIGN_OR_RETURN(d.file, r.String("file", false));
  XCR_ASSIGN_OR_RETURN(d.file_size, r.Unsigned("file_size"));
  XCR_ASSIGN_OR_RETURN(d.sha256, r.String("sha256", false));
  if (d.virtual_size == 0 || d.virtual_size % 512 != 0 || d.virtual_size > (64ull << 40)) {
    return r.Bad("virtual_size", "is not a disk size (a multiple of 512 up to 64 TiB)");
  }
  if (d.file_size < 512 || d.file_size > d.virtual_size + d.virtual_size / 8 + (64ull << 20)) {
    return r.Bad("file_size", "is not possible for a VHD of that virtual size");
  }
  if (!IsSafeFileName(d.file)) return r.Bad("file", "is not a seed disk file name");
  if (!IsHex64(d.sha256)) return r.Bad("sha256", "is not 64 lower-case hex digits");
  return d;
}

Result<SeedVif> ParseVif(const json& j, size_t i) {
  std::string where = "vifs[" + std::to_string(i) + "]";
  if (!j.is_object()) return Status::Corruption("seed manifest: " + where + " is not an object");
  Reader r(j, where);
  SeedVif v;
  XCR_ASSIGN_OR_RETURN(v.device, r.String("device", false));
  XCR_ASSIGN_OR_RETURN(v.mac, r.String("MAC"));
  XCR_ASSIGN_OR_RETURN(uint64_t mtu, r.Unsigned("MTU"));
  if (mtu > 65535) return r.Bad("MTU", "is larger than 65535");
  v.mtu = static_cast<int64_t>(mtu);
  XCR_ASSIGN_OR_RETURN(v.network_uuid, r.String("network_uuid"));
  XCR_ASSIGN_OR_RETURN(v.network_name, r.String("network_name"));
  return v;
}

}  // namespace

std::string SeedDiskFileName(size_t index, std::string_view userdevice) {
  std::string dev;
  for (char c : userdevice) dev += std::isalnum(static_cast<unsigned char>(c)) ? c : 'x';
  if (dev.empty()) dev = "x";
  return std::to_string(index) + "-disk-" + dev + ".vhd";
}

std::string ManifestToJson(const SeedManifest& m) {
  json j;
  j["format"] = kManifestFormat;
  j["format_version"] = m.format_version;
  j["tool"] = m.tool;
  j["created"] = m.created;
  j["source_pool"] = m.source_pool;
  j["job"] = {{"id", m.job_id}, {"schedule", m.schedule_id}, {"name", m.job_name}};
  j["vm"] = {{"uuid", m.vm_uuid}, {"name", m.vm_name}};
  j["snapshot"] = {{"uuid", m.snapshot_uuid},
                   {"snapshot_time", m.snapshot_time},
                   {"datetime", m.datetime},
                   {"record", xapi::ValueToJson(m.snapshot_record)}};
  j["vifs"] = json::array();
  for (const SeedVif& v : m.vifs) {
    j["vifs"].push_back({{"device", v.device},
                         {"MAC", v.mac},
                         {"MTU", v.mtu},
                         {"network_uuid", v.network_uuid},
                         {"network_name", v.network_name}});
  }
  j["disks"] = json::array();
  for (const SeedDisk& d : m.disks) {
    j["disks"].push_back({{"userdevice", d.userdevice},
                          {"bootable", d.bootable},
                          {"vdi_uuid", d.vdi_uuid},
                          {"name_label", d.name_label},
                          {"name_description", d.name_description},
                          {"virtual_size", d.virtual_size},
                          {"file", d.file},
                          {"file_size", d.file_size},
                          {"sha256", d.sha256}});
  }
  return j.dump(2) + "\n";
}

Result<SeedManifest> ParseManifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) {
    return Status::Corruption("seed manifest is larger than 16 MiB: not a manifest cr-seed wrote");
  }
  if (NestingDepth(text) > kMaxDepth) {
    return Status::Corruption("seed manifest is nested more than 64 levels deep");
  }
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corruption("seed manifest is not valid JSON (damaged or truncated file)");
  }
  if (!j.is_object()) return Status::Corruption("seed manifest is not a JSON object");
  Reader top(j, "manifest");
  XCR_ASSIGN_OR_RETURN(std::string format, top.String("format"));
  if (format != kManifestFormat) {
    return Status::Corruption("not a cr-seed manifest (format '" + format + "', expected '" +
                              std::string(kManifestFormat) + "')");
  }
  SeedManifest m;
  XCR_ASSIGN_OR_RETURN(uint64_t version, top.Unsigned("format_version"));
  if (version == 0) return top.Bad("format_version", "is 0");
  if (version > static_cast<uint64_t>(kManifestVersion)) {
    return Status::NotSupported("seed manifest format version " + std::to_string(version) +
                                " is newer than this cr-seed reads (" +
                                std::to_string(kManifestVersion) + "): use a newer cr-seed");
  }
  m.format_version = static_cast<int>(version);
  XCR_ASSIGN_OR_RETURN(m.tool, top.String("tool"));
  XCR_ASSIGN_OR_RETURN(m.created, top.String("created"));
  XCR_ASSIGN_OR_RETURN(m.source_pool, top.String("source_pool"));

  XCR_ASSIGN_OR_RETURN(const json* job, top.Object("job"));
  Reader rj(*job, "job");
  XCR_ASSIGN_OR_RETURN(m.job_id, rj.String("id", false));
  XCR_ASSIGN_OR_RETURN(m.schedule_id, rj.String("schedule", false));
  XCR_ASSIGN_OR_RETURN(m.job_name, rj.String("name"));

  XCR_ASSIGN_OR_RETURN(const json* vm, top.Object("vm"));
  Reader rv(*vm, "vm");
  XCR_ASSIGN_OR_RETURN(m.vm_uuid, rv.String("uuid", false));
  XCR_ASSIGN_OR_RETURN(m.vm_name, rv.String("name"));

  XCR_ASSIGN_OR_RETURN(const json* snap, top.Object("snapshot"));
  Reader rs(*snap, "snapshot");
  XCR_ASSIGN_OR_RETURN(m.snapshot_uuid, rs.String("uuid", false));
  XCR_ASSIGN_OR_RETURN(m.snapshot_time, rs.String("snapshot_time"));
  XCR_ASSIGN_OR_RETURN(m.datetime, rs.String("datetime", false));
  XCR_ASSIGN_OR_RETURN(const json* record, rs.Object("record"));
  auto value = xapi::ValueFromJson(*record, kMaxDepth);
  if (!value.ok()) return rs.Bad("record", value.status().message());
  m.snapshot_record = std::move(*value);

  XCR_ASSIGN_OR_RETURN(const json* vifs, top.Array("vifs", kMaxSeedVifs));
  for (size_t i = 0; i < vifs->size(); ++i) {
    XCR_ASSIGN_OR_RETURN(SeedVif v, ParseVif((*vifs)[i], i));
    m.vifs.push_back(std::move(v));
  }
  XCR_ASSIGN_OR_RETURN(const json* disks, top.Array("disks", kMaxSeedDisks));
  if (disks->empty()) return top.Bad("disks", "is empty: a seed holds at least one disk");
  std::set<std::string> devices, files;
  for (size_t i = 0; i < disks->size(); ++i) {
    XCR_ASSIGN_OR_RETURN(SeedDisk d, ParseDisk((*disks)[i], i));
    if (!devices.insert(d.userdevice).second) {
      return Status::Corruption("seed manifest: two disks have userdevice " + d.userdevice);
    }
    if (!files.insert(d.file).second) {
      return Status::Corruption("seed manifest: two disks share the file " + d.file);
    }
    m.disks.push_back(std::move(d));
  }
  return m;
}

}  // namespace xcr::seed
