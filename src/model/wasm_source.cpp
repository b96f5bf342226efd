// WasmConfig.source (wasm4s WasmSource), with the legacy `compiler_source` / `raw_source` keys.
#include "model/wasm_config.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "model/detail/readers.h"

namespace wasmgate::model {

namespace json = boost::json;

namespace {

struct KindName {
  WasmSourceKind kind;
  std::string_view name;
};
constexpr std::array<KindName, 7> kKinds{{
    {WasmSourceKind::Base64, "Base64"},
    {WasmSourceKind::Http, "Http"},
    {WasmSourceKind::Wasmo, "Wasmo"},
    {WasmSourceKind::Local, "Local"},
    {WasmSourceKind::File, "File"},
    {WasmSourceKind::ClassPath, "ClassPath"},
    {WasmSourceKind::Unknown, "Unknown"},
}};

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// `raw_source` by prefix, as WasmConfig.format.reads does.
WasmSource from_raw_source(std::string_view raw) {
  static constexpr std::array<std::pair<std::string_view, WasmSourceKind>, 4> kStripped{{
      {"file://", WasmSourceKind::File},
      {"base64://", WasmSourceKind::Base64},
      {"entity://", WasmSourceKind::Local},
      {"local://", WasmSourceKind::Local},
  }};
  if (starts_with(raw, "http://") || starts_with(raw, "https://")) {
    return WasmSource{WasmSourceKind::Http, std::string(raw), {}};
  }
  for (const auto& [prefix, kind] : kStripped) {
    if (starts_with(raw, prefix)) return WasmSource{kind, std::string(raw.substr(prefix.size())), {}};
  }
  return WasmSource{WasmSourceKind::Base64, std::string(raw), {}};
}

std::string valid_kinds() {
  std::string out;
  for (const KindName& k : kKinds) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

}  // namespace

std::string_view wasm_source_kind_name(WasmSourceKind kind) {
  for (const KindName& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "Unknown";
}

std::optional<WasmSourceKind> parse_wasm_source_kind(std::string_view name) {
  if (iequal(name, "wasmmanager")) return WasmSourceKind::Wasmo;  // the name before Wasmo
  for (const KindName& k : kKinds) {
    if (iequal(name, k.name)) return k.kind;
  }
  return std::nullopt;
}

std::string source_cache_key(const WasmSource& source) {
  return lower(wasm_source_kind_name(source.kind)) + "://" + source.path;
}

namespace detail {

WasmSource read_wasm_source(ObjectFields& config) {
  WasmSource source;
  config.drop("compiler_source");
  config.drop("raw_source");
  if (!config.has("source")) {
    // Legacy keys are read only when `source` is absent; either way they are not written back.
    if (config.has("compiler_source")) {
      source.kind = WasmSourceKind::Wasmo;
      source.path = as_string(*config.find("compiler_source"), config.path_of("compiler_source"));
    } else if (config.has("raw_source")) {
      source = from_raw_source(as_string(*config.find("raw_source"), config.path_of("raw_source")));
    }
    config.put("source", json::object{{"kind", json::string(wasm_source_kind_name(source.kind))},
                                      {"path", json::string(source.path)},
                                      {"opts", json::object{}}});
    return source;
  }

  const std::string path = config.path_of("source");
  ObjectFields fields(as_object(*config.find("source"), path), path);
  if (fields.has("kind")) {
    const std::string_view name = as_string(*fields.find("kind"), fields.path_of("kind"));
    // Otoroshi reads an unknown kind as Unknown, which then fails at call time; we refuse it now.
    const std::optional<WasmSourceKind> kind = parse_wasm_source_kind(name);
    if (!kind)
      fail(fields.path_of("kind"), "unknown kind '" + std::string(name) + "' (valid: " + valid_kinds() + ")");
    source.kind = *kind;
  }
  fields.put("kind", json::string(wasm_source_kind_name(source.kind)));
  source.path = fields.required_string("path");
  source.opts = fields.any_object("opts");
  config.put("source", std::move(fields).finish());
  return source;
}

}  // namespace detail

}  // namespace wasmgate::model
