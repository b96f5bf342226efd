#include "wasm/engine/wasm_binary.h"

#include <fmt/format.h>

#include "wasm/engine/detail/wasm_reader.h"
#include "wasm/engine/detail/wasm_sections.h"

namespace wasmgate::engine {

using detail::Section;
using detail::WasmReader;

namespace {

// Skips a constant expression (global initializers): the opcodes V8 10.2 accepts there.
bool skip_const_expr(WasmReader& r) {
  for (;;) {
    auto op = r.u8();
    if (!op) return false;
    switch (*op) {
      case 0x0b:
        return true;  // end
      case 0x41:
        if (!r.skip_sleb(5)) return false;
        break;  // i32.const
      case 0x42:
        if (!r.skip_sleb(10)) return false;
        break;  // i64.const
      case 0x43:
        if (!r.skip(4)) return false;
        break;  // f32.const
      case 0x44:
        if (!r.skip(8)) return false;
        break;    // f64.const
      case 0x23:  // global.get
      case 0xd2:
        if (!r.u32()) return false;
        break;  // ref.func
      case 0xd0:
        if (!r.u8()) return false;
        break;    // ref.null t
      case 0xfd:  // v128.const
        if (r.u32() != 12u || !r.skip(16)) return false;
        break;
      case 0x6a:
      case 0x6b:
      case 0x6c:
      case 0x7c:
      case 0x7d:
      case 0x7e:
        break;  // extended-const arithmetic
      default:
        return false;
    }
  }
}

// Index spaces (imports first), needed to type the exports.
struct IndexSpaces {
  std::vector<std::uint32_t> func_types;  // type index per function
  std::vector<TableType> tables;
  std::vector<Limits> memories;
  std::vector<GlobalType> globals;
  std::vector<std::uint32_t> tag_types;
};

bool read_import(WasmReader& r, ModuleInfo& info, IndexSpaces& spaces) {
  ImportDesc imp;
  auto module = r.name();
  auto name = r.name();
  auto kind = r.u8();
  if (!module || !name || !kind) return false;
  imp.module = std::move(*module);
  imp.name = std::move(*name);
  switch (*kind) {
    case 0: {
      auto type = r.u32();
      if (!type || *type >= info.types.size()) return false;
      imp.type.kind = ExternKind::Func;
      imp.type.func = info.types[*type];
      spaces.func_types.push_back(*type);
      break;
    }
    case 1: {
      auto elem = r.val_type();
      auto limits = r.limits();
      if (!elem || !limits) return false;
      imp.type.kind = ExternKind::Table;
      imp.type.table = TableType{*elem, *limits};
      spaces.tables.push_back(imp.type.table);
      break;
    }
    case 2: {
      auto limits = r.limits();
      if (!limits) return false;
      imp.type.kind = ExternKind::Memory;
      imp.type.limits = *limits;
      spaces.memories.push_back(*limits);
      break;
    }
    case 3: {
      auto type = r.val_type();
      auto mut = r.u8();
      if (!type || !mut || *mut > 1) return false;
      imp.type.kind = ExternKind::Global;
      imp.type.global = GlobalType{*type, *mut == 1};
      spaces.globals.push_back(imp.type.global);
      break;
    }
    case 4: {
      auto attribute = r.u8();
      auto type = r.u32();
      if (!attribute || !type || *type >= info.types.size()) return false;
      imp.type.kind = ExternKind::Tag;
      imp.type.func = info.types[*type];
      spaces.tag_types.push_back(*type);
      break;
    }
    default:
      return false;
  }
  info.imports.push_back(std::move(imp));
  return true;
}

// Reads `count` then calls `item` that many times; false when anything is malformed.
template <typename Item>
bool read_vector(WasmReader& r, Item&& item) {
  auto count = r.u32();
  if (!count) return false;
  for (std::uint32_t i = 0; i < *count; ++i) {
    if (!item()) return false;
  }
  return r.at_end();
}

// Reads a vector of value types (function parameters or results).
bool read_vector_items(WasmReader& r, std::vector<ValType>& out) {
  auto count = r.u32();
  if (!count || *count > r.remaining()) return false;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto type = r.val_type();
    if (!type) return false;
    out.push_back(*type);
  }
  return true;
}

bool read_section(const Section& s, WasmReader& r, ModuleInfo& info, IndexSpaces& spaces) {
  switch (s.id) {
    case detail::kTypeSection:
      return read_vector(r, [&] {
        if (r.u8() != 0x60u) return false;
        FuncType type;
        bool ok = read_vector_items(r, type.params) && read_vector_items(r, type.results);
        info.types.push_back(std::move(type));
        return ok;
      });
    case detail::kImportSection:
      return read_vector(r, [&] { return read_import(r, info, spaces); });
    case detail::kFunctionSection:
      return read_vector(r, [&] {
        auto type = r.u32();
        if (!type || *type >= info.types.size()) return false;
        spaces.func_types.push_back(*type);
        return true;
      });
    case detail::kTableSection:
      return read_vector(r, [&] {
        auto elem = r.val_type();
        auto limits = r.limits();
        if (!elem || !limits) return false;
        spaces.tables.push_back(TableType{*elem, *limits});
        return true;
      });
    case detail::kMemorySection:
      return read_vector(r, [&] {
        auto limits = r.limits();
        if (!limits) return false;
        spaces.memories.push_back(*limits);
        info.memories.push_back(*limits);
        return true;
      });
    case detail::kGlobalSection:
      return read_vector(r, [&] {
        auto type = r.val_type();
        auto mut = r.u8();
        if (!type || !mut || *mut > 1 || !skip_const_expr(r)) return false;
        spaces.globals.push_back(GlobalType{*type, *mut == 1});
        return true;
      });
    case detail::kExportSection:
      return read_vector(r, [&] {
        auto name = r.name();
        auto kind = r.u8();
        auto index = r.u32();
        if (!name || !kind || !index || *kind > 4) return false;
        info.exports.push_back(
            ExportDesc{std::move(*name), ExternType::of(static_cast<ExternKind>(*kind)), *index});
        return true;
      });
    case detail::kStartSection: {
      auto index = r.u32();
      info.start_function = index.value_or(0);
      return index.has_value() && r.at_end();
    }
    case detail::kTagSection:
      return read_vector(r, [&] {
        auto attribute = r.u8();
        auto type = r.u32();
        if (!attribute || !type || *type >= info.types.size()) return false;
        spaces.tag_types.push_back(*type);
        return true;
      });
    default:
      return true;  // code, data, element, custom…: the engine validates them
  }
}

Result<void> type_exports(ModuleInfo& info, const IndexSpaces& spaces) {
  for (auto& exp : info.exports) {
    const std::size_t i = exp.index;
    ExternType& t = exp.type;
    bool in_range = true;
    switch (t.kind) {
      case ExternKind::Func:
        if ((in_range = i < spaces.func_types.size())) t.func = info.types[spaces.func_types[i]];
        break;
      case ExternKind::Table:
        if ((in_range = i < spaces.tables.size())) t.table = spaces.tables[i];
        break;
      case ExternKind::Memory:
        if ((in_range = i < spaces.memories.size())) t.limits = spaces.memories[i];
        break;
      case ExternKind::Global:
        if ((in_range = i < spaces.globals.size())) t.global = spaces.globals[i];
        break;
      case ExternKind::Tag:
        if ((in_range = i < spaces.tag_types.size())) t.func = info.types[spaces.tag_types[i]];
        break;
    }
    if (!in_range) {
      return detail::invalid_wasm(fmt::format("export \"{}\" refers to {} {} which does not exist", exp.name,
                                              extern_kind_name(t.kind), exp.index));
    }
  }
  return {};
}

}  // namespace

Result<ModuleInfo> parse_module(std::span<const std::uint8_t> bytes) {
  ModuleInfo info;
  IndexSpaces spaces;
  auto walked = detail::walk_sections(bytes, [&](const Section& s) -> Result<void> {
    WasmReader r(bytes.subspan(s.content_offset, s.size), s.content_offset);
    if (!read_section(s, r, info, spaces)) return detail::malformed_section(s.id, r.offset());
    return {};
  });
  if (!walked) return walked.take_error();
  if (auto typed = type_exports(info, spaces); !typed) return typed.take_error();
  return info;
}

const ExportDesc* ModuleInfo::find_export(std::string_view name) const {
  for (const auto& exp : exports) {
    if (exp.name == name) return &exp;
  }
  return nullptr;
}

std::string ModuleInfo::export_names() const {
  if (exports.empty()) return "none";
  std::string out;
  for (const auto& exp : exports) {
    if (!out.empty()) out += ", ";
    out += exp.name;
  }
  return out;
}

Result<const ExportDesc*> require_export(const ModuleInfo& info, std::string_view name, ExternKind kind) {
  const ExportDesc* exp = info.find_export(name);
  if (exp == nullptr) {
    return make_error(Errc::PluginLoad,
                      fmt::format("export \"{}\" not found (exports: {})", name, info.export_names()));
  }
  if (exp->type.kind != kind) {
    return make_error(Errc::PluginLoad,
                      fmt::format("export \"{}\" is a {}, expected a {}", name,
                                  extern_kind_name(exp->type.kind), extern_kind_name(kind)));
  }
  return exp;
}

MemoryNeeds memory_needs(const ModuleInfo& info) {
  MemoryNeeds needs;
  for (const auto& imp : info.imports) {
    if (imp.type.kind != ExternKind::Memory) continue;
    needs = MemoryNeeds{true, true, imp.type.limits.min, imp.type.limits.max};
    return needs;  // an imported memory is memory 0
  }
  if (!info.memories.empty()) {
    needs = MemoryNeeds{true, false, info.memories[0].min, info.memories[0].max};
  }
  return needs;
}

}  // namespace wasmgate::engine
