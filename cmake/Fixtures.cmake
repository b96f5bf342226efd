# Guest fixtures built from source at build time (DESIGN §3: no .wasm is committed): WAT with wat2wasm, freestanding
# C with clang-14. Each source becomes ${WASMGATE_FIXTURES_DIR}/<name>.wasm. Also the engine micro-benchmarks,
# which need the fixtures (not part of ctest).
find_program(WAT2WASM wat2wasm REQUIRED)
find_program(CLANG14 clang-14 REQUIRED)
find_program(WASM_LD wasm-ld REQUIRED)  # clang-14 links wasm32 with it

set(WASMGATE_FIXTURES_DIR "${CMAKE_BINARY_DIR}/fixtures/wasm" CACHE INTERNAL "built wasm fixtures")
file(MAKE_DIRECTORY "${WASMGATE_FIXTURES_DIR}")

# -mbulk-memory: at -O2 clang turns loops into memset/memcpy, which -nostdlib cannot resolve; with bulk memory they
# become memory.fill/memory.copy instructions (build-recipe-notes pitfall 7).
set(WASMGATE_WASM_CFLAGS --target=wasm32 -O2 -nostdlib -mbulk-memory -Wl,--no-entry)

# wasmgate_wasm_fixtures(<out_var> <source>...): one custom command per source; <out_var> gets the outputs.
function(wasmgate_wasm_fixtures out_var)
  set(_outputs)
  foreach(_src ${ARGN})
    get_filename_component(_name "${_src}" NAME_WE)
    get_filename_component(_ext "${_src}" LAST_EXT)
    set(_out "${WASMGATE_FIXTURES_DIR}/${_name}.wasm")
    if(_ext STREQUAL ".wat")
      add_custom_command(OUTPUT "${_out}"
        COMMAND ${WAT2WASM} "${_src}" -o "${_out}"
        DEPENDS "${_src}" COMMENT "wat2wasm ${_name}.wat" VERBATIM)
    elseif(_ext STREQUAL ".c")
      get_filename_component(_dir "${_src}" DIRECTORY)
      file(GLOB _headers "${_dir}/*.h")  # a fixture folder's own headers (e.g. extism/extism_pdk.h)
      add_custom_command(OUTPUT "${_out}"
        COMMAND ${CLANG14} ${WASMGATE_WASM_CFLAGS} "${_src}" -o "${_out}"
        DEPENDS "${_src}" ${_headers} COMMENT "clang-14 --target=wasm32 ${_name}.c" VERBATIM)
    else()
      message(FATAL_ERROR "wasm fixture ${_src}: expected .wat or .c")
    endif()
    list(APPEND _outputs "${_out}")
  endforeach()
  set(${out_var} ${_outputs} PARENT_SCOPE)
endfunction()

# wasmgate_wasi_fixtures(<out_var> <out_dir> <source>...): Extism plugins written in C against wasi-libc
# (tests/fixtures/wasm/wasi), built as WASI reactors like real wasi plugins (they export _initialize, which the VM
# runs once). Debian's wasi-libc lives in the default sysroot (/usr, lib/wasm32-wasi); linking needs
# libclang-rt-14-dev-wasm32 (build-recipe-notes pitfall 8). They use the Extism fixtures' extism_pdk.h.
function(wasmgate_wasi_fixtures out_var out_dir)
  set(_outputs)
  set(_pdk_dir "${PROJECT_SOURCE_DIR}/tests/fixtures/wasm/extism")
  foreach(_src ${ARGN})
    get_filename_component(_name "${_src}" NAME_WE)
    set(_out "${out_dir}/${_name}.wasm")
    add_custom_command(OUTPUT "${_out}"
      COMMAND ${CLANG14} --target=wasm32-wasi -O2 -mexec-model=reactor -I "${_pdk_dir}" "${_src}" -o "${_out}"
      DEPENDS "${_src}" "${_pdk_dir}/extism_pdk.h" COMMENT "clang-14 --target=wasm32-wasi ${_name}.c" VERBATIM)
    list(APPEND _outputs "${_out}")
  endforeach()
  set(${out_var} ${_outputs} PARENT_SCOPE)
endfunction()

# wasmgate_engine_benches(): engine_bench (Google Benchmark, call/instantiate costs) and engine_coldload (one cold
# compile per process, with or without the code cache). Built with `--target engine_bench engine_coldload`.
function(wasmgate_engine_benches)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND)
    message(STATUS "Google Benchmark not found: engine_bench is not built")
    return()
  endif()
  add_executable(engine_bench EXCLUDE_FROM_ALL "${PROJECT_SOURCE_DIR}/bench/micro/engine_bench.cpp")
  target_link_libraries(engine_bench PRIVATE wg_engine benchmark::benchmark)
  target_compile_definitions(engine_bench PRIVATE WASMGATE_FIXTURES_DIR="${WASMGATE_FIXTURES_DIR}")
  add_dependencies(engine_bench wasm_fixtures)

  add_executable(engine_coldload EXCLUDE_FROM_ALL "${PROJECT_SOURCE_DIR}/bench/micro/engine_coldload.cpp")
  target_link_libraries(engine_coldload PRIVATE wg_engine)
  target_compile_definitions(engine_coldload PRIVATE WASMGATE_FIXTURES_DIR="${WASMGATE_FIXTURES_DIR}")
  add_dependencies(engine_coldload wasm_fixtures_big)

  set_target_properties(engine_bench engine_coldload PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bench")
endfunction()

# wasmgate_vm_benches(): vm_call_bench (Google Benchmark: the cost of Vm::call on the Extism fixtures). Built with
# `--target vm_call_bench`.
function(wasmgate_vm_benches)
  find_package(benchmark QUIET)
  if(NOT benchmark_FOUND OR NOT TARGET wg_wasm)
    return()
  endif()
  add_executable(vm_call_bench EXCLUDE_FROM_ALL "${PROJECT_SOURCE_DIR}/bench/micro/vm_call_bench.cpp")
  target_link_libraries(vm_call_bench PRIVATE wg_wasm benchmark::benchmark)
  target_compile_definitions(vm_call_bench PRIVATE WASMGATE_EXTISM_FIXTURES_DIR="${WASMGATE_EXTISM_FIXTURES_DIR}")
  add_dependencies(vm_call_bench wasm_extism_fixtures)
  set_target_properties(vm_call_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bench")
endfunction()
