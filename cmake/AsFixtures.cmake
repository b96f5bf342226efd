# AssemblyScript guest fixtures (tests/fixtures/wasm/as/*.ts, against @extism/as-pdk), compiled at build time with
# the asc of tools/node (installed by `make setup`, i.e. scripts/setup.sh → npm ci). No .wasm is committed.
#
# This file is also a `cmake -P` script: the build-time check that asc is installed, so a checkout without
# tools/node/node_modules fails the fixture target with a message saying what to run, not "asc: not found".
if(CMAKE_SCRIPT_MODE_FILE)
  if(NOT EXISTS "${ASC}")
    message(FATAL_ERROR "AssemblyScript fixtures: ${ASC} is missing; run `make setup` (npm ci in tools/node) first")
  endif()
  return()
endif()

set(WASMGATE_NODE_TOOLS_DIR "${PROJECT_SOURCE_DIR}/tools/node" CACHE INTERNAL "npm tools for tests (make setup)")

# wasmgate_as_fixtures(<out_var> <out_dir> <source>...): one asc command per entry file; <out_var> gets the
# outputs <out_dir>/<name>.wasm. Sources must sit in one folder; helpers in its lib/ (imported as "./lib/…") are
# dependencies of every fixture, and lib/fixture.ts must define fixtureAbort: AssemblyScript's default abort is
# an `env.abort` import no Extism host provides, so the PDK's documented `--use abort=<file>/<function>` swaps in
# one that reports through error_set.
function(wasmgate_as_fixtures out_var out_dir)
  set(_node_modules "${WASMGATE_NODE_TOOLS_DIR}/node_modules")
  set(_asc "${_node_modules}/.bin/asc")
  file(MAKE_DIRECTORY "${out_dir}")
  set(_outputs)
  foreach(_src ${ARGN})
    get_filename_component(_name "${_src}" NAME_WE)
    get_filename_component(_dir "${_src}" DIRECTORY)
    file(GLOB _helpers CONFIGURE_DEPENDS "${_dir}/lib/*.ts")
    set(_out "${out_dir}/${_name}.wasm")
    # Run from the source folder with a relative entry: asc names modules by path relative to the working
    # directory, and the --use target ("lib/fixture/fixtureAbort") is such a name. -O: the optimized output a
    # plugin author would ship (-O3s). --path: resolves "@extism/as-pdk" from tools/node.
    add_custom_command(OUTPUT "${_out}"
      COMMAND ${CMAKE_COMMAND} "-DASC=${_asc}" -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
      COMMAND "${_asc}" "${_name}.ts" --outFile "${_out}" --optimize --path "${_node_modules}"
              --use abort=lib/fixture/fixtureAbort
      WORKING_DIRECTORY "${_dir}"
      DEPENDS "${_src}" ${_helpers} "${WASMGATE_NODE_TOOLS_DIR}/package-lock.json"
      COMMENT "asc ${_name}.ts" VERBATIM)
    list(APPEND _outputs "${_out}")
  endforeach()
  set(${out_var} ${_outputs} PARENT_SCOPE)
endfunction()
