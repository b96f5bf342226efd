# wasmgate — the two commands a new user needs: `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all setup configure build run test unit integration bench clean

all: build

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@echo "built $(BUILD_DIR)/wasmgate"

# Starts a local echo backend and the gateway with a demo route, and prints curl commands to try.
run: build
	@bash scripts/run-demo.sh $(BUILD_DIR)/wasmgate

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

unit: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -E '^integration\.'

integration: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -R '^integration\.'

bench: build
	@bash bench/proxy_vs_nginx.sh $(BUILD_DIR)/wasmgate

# WASM runtime vs Node + @extism/extism (per-call echo, instantiate, cold load with/without code cache).
.PHONY: bench-wasm
bench-wasm: build
	@bash bench/wasm_vs_extism.sh $(BUILD_DIR)

# Wasm plugin overhead: routes with 0, 1 and 5 trivial access validators, rps / p50 / p99 and cost per plugin.
.PHONY: bench-plugins
bench-plugins: build
	@bash bench/plugin_overhead.sh $(BUILD_DIR)

# Hot-reload memory: RSS after 1 000 reloads of a plugin vs after 10.
.PHONY: bench-reload
bench-reload: build
	@bash bench/reload_memory.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
