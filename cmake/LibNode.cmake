# V8 10.2 from Debian's libnode108, unpacked (not installed) by scripts/setup.sh; see shared/spec/wasm-engine-v8.md.
# Defines the imported target wasmgate::v8. Only src/wasm/engine/v8 may link it.
set(LIBNODE_PREFIX "${CMAKE_SOURCE_DIR}/.deps/libnode" CACHE PATH "where libnode108 + libnode-dev are unpacked")
set(_libnode_include "${LIBNODE_PREFIX}/usr/include/node")
set(_libnode_libdir "${LIBNODE_PREFIX}/usr/lib/x86_64-linux-gnu")

if(NOT EXISTS "${_libnode_include}/v8-version.h" OR NOT EXISTS "${_libnode_libdir}/libnode.so.108")
  message(STATUS "libnode not found in ${LIBNODE_PREFIX}; running scripts/setup.sh's unpack step")
  execute_process(COMMAND bash "${CMAKE_SOURCE_DIR}/scripts/setup.sh"
                  COMMAND_ERROR_IS_FATAL ANY)
endif()

# Guard against the silent wrong-header trap: NodeSource's /usr/include/node carries V8 11.3.
file(STRINGS "${_libnode_include}/v8-version.h" _maj REGEX "define V8_MAJOR_VERSION")
file(STRINGS "${_libnode_include}/v8-version.h" _min REGEX "define V8_MINOR_VERSION")
string(REGEX REPLACE ".*VERSION +([0-9]+).*" "\\1" _maj "${_maj}")
string(REGEX REPLACE ".*VERSION +([0-9]+).*" "\\1" _min "${_min}")
if(NOT "${_maj}.${_min}" STREQUAL "10.2")
  message(FATAL_ERROR "expected V8 10.2 headers in ${_libnode_include}, found ${_maj}.${_min}")
endif()

find_package(Threads REQUIRED)
add_library(wasmgate_v8 SHARED IMPORTED GLOBAL)
set_target_properties(wasmgate_v8 PROPERTIES
  IMPORTED_LOCATION "${_libnode_libdir}/libnode.so.108"
  INTERFACE_INCLUDE_DIRECTORIES "${_libnode_include}"
  INTERFACE_LINK_OPTIONS "LINKER:-rpath,${_libnode_libdir}"
  INTERFACE_LINK_LIBRARIES Threads::Threads)
add_library(wasmgate::v8 ALIAS wasmgate_v8)
