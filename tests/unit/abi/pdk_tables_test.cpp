// The explicit tables of the Extism ABI: PDK host functions, legacy env.extism_* aliases, WASI preview1.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "wasm/abi/extism/kernel_module.h"
#include "wasm/abi/extism/legacy.h"
#include "wasm/abi/extism/pdk.h"
#include "wasm/abi/wasi/preview1.h"

namespace wasmgate::abi {
namespace {

using engine::FuncType;
using engine::ValType;

TEST(PdkTables, HostFunctionsHaveTheExtismSignatures) {
  const FuncType handle_to_handle{{ValType::I64}, {ValType::I64}};
  const FuncType message{{ValType::I64}, {}};
  const std::pair<const char*, FuncType> expected[] = {
      {"config_get", handle_to_handle},
      {"var_get", handle_to_handle},
      {"var_set", {{ValType::I64, ValType::I64}, {}}},
      {"http_request", {{ValType::I64, ValType::I64}, {ValType::I64}}},
      {"http_status_code", {{}, {ValType::I32}}},
      {"http_headers", {{}, {ValType::I64}}},
      {"log_trace", message},
      {"log_debug", message},
      {"log_info", message},
      {"log_warn", message},
      {"log_error", message},
      {"get_log_level", {{}, {ValType::I32}}},
  };
  ASSERT_EQ(pdk_host_functions().size(), std::size(expected));
  for (const auto& [name, type] : expected) {
    const PdkFunction* fn = find_pdk_host_function(name);
    ASSERT_NE(fn, nullptr) << name;
    EXPECT_EQ(fn->function->type, type) << name;
    EXPECT_EQ(fn->function->name, std::string("extism:host/env.") + name);
  }
}

TEST(PdkTables, EveryLegacyAliasPointsAtAKernelExportOrAHostFunction) {
  std::set<std::string_view> targets;
  for (const auto& alias : legacy_aliases()) {
    EXPECT_EQ(alias.legacy_name, std::string("extism_") + std::string(alias.target_name));
    if (alias.target == LegacyTarget::Kernel) {
      EXPECT_NE(std::find(kKernelExtismExports.begin(), kKernelExtismExports.end(), alias.target_name),
                kKernelExtismExports.end())
          << alias.legacy_name;
    } else {
      EXPECT_NE(find_pdk_host_function(alias.target_name), nullptr) << alias.legacy_name;
    }
    targets.insert(alias.target_name);
  }
  // The whole 1.x surface has a legacy name.
  for (auto name : kKernelExtismExports) EXPECT_TRUE(targets.count(name)) << name;
  for (const auto& fn : pdk_host_functions()) EXPECT_TRUE(targets.count(fn.name)) << fn.name;
  EXPECT_EQ(find_legacy_alias("extism_nope"), nullptr);
  // The names Otoroshi's tutorial plugins import (spec §5.3).
  for (auto name :
       {"extism_error_set", "extism_alloc", "extism_store_u64", "extism_store_u8", "extism_output_set",
        "extism_free", "extism_input_length", "extism_input_load_u64", "extism_input_load_u8"}) {
    EXPECT_NE(find_legacy_alias(name), nullptr) << name;
  }
}

TEST(PdkTables, WasiTableHasEveryPreview1FunctionWithItsSignature) {
  EXPECT_EQ(wasi_preview1_signatures().size(), 46u);
  // The imports of Otoroshi's JS plugins (spec §5.2).
  for (auto name :
       {"clock_time_get", "fd_read", "fd_write", "random_get", "environ_get", "environ_sizes_get", "fd_close",
        "fd_fdstat_get", "fd_prestat_get", "fd_prestat_dir_name", "fd_seek", "proc_exit"}) {
    EXPECT_NE(find_wasi_signature(name), nullptr) << name;
  }
  EXPECT_EQ(find_wasi_signature("fd_write")->type,
            (FuncType{{ValType::I32, ValType::I32, ValType::I32, ValType::I32}, {ValType::I32}}));
  EXPECT_EQ(find_wasi_signature("clock_time_get")->type,
            (FuncType{{ValType::I32, ValType::I64, ValType::I32}, {ValType::I32}}));
  EXPECT_EQ(find_wasi_signature("fd_seek")->type,
            (FuncType{{ValType::I32, ValType::I64, ValType::I32, ValType::I32}, {ValType::I32}}));
  EXPECT_EQ(find_wasi_signature("proc_exit")->type, (FuncType{{ValType::I32}, {}}));
  EXPECT_EQ(find_wasi_signature("path_open")->type.params.size(), 9u);

  engine::Imports imports;
  add_wasi_imports(imports);
  EXPECT_EQ(imports.size(), 46u);
  EXPECT_NE(imports.find(kWasiModule, "fd_write"), nullptr);
}

TEST(PdkTables, PluginLogLevelNames) {
  EXPECT_EQ(parse_plugin_log_level("TRACE"), PluginLogLevel::Trace);
  EXPECT_EQ(parse_plugin_log_level("warning"), PluginLogLevel::Warn);
  EXPECT_EQ(parse_plugin_log_level("off"), PluginLogLevel::Off);
  EXPECT_EQ(static_cast<int>(PluginLogLevel::Off), 2147483647);
  EXPECT_FALSE(parse_plugin_log_level("loud").has_value());
}

}  // namespace
}  // namespace wasmgate::abi
