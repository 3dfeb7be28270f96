# The two commands of the README: `make run` and `make test`. Everything else is a helper.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
FUZZ_DIR ?= build-fuzz
JOBS ?= $(shell nproc)
PYTHON ?= /usr/bin/python3
# `make test` runs the integration suite in PYTEST_JOBS processes (pytest-xdist), a test file per
# process at a time: most of a test's time is spent waiting on a server (a fresh clone's suite:
# 4 min 51 s on two processes at a load average of 15, 2026-12-02). PYTEST_JOBS=0 runs it in this
# process, in file order. The sanitizer suites run serially (SAN_PYTEST_JOBS): their servers are
# several times slower, and two at once made the slowest tests' waits run out.
PYTEST_JOBS ?= $(JOBS)
SAN_PYTEST_JOBS ?= 0
pytest_cmd = $(PYTHON) -m pytest -q -p no:cacheprovider $(if $(filter 0,$(1)),,-n $(1) --dist loadfile)
PYTEST = $(call pytest_cmd,$(PYTEST_JOBS))
SAN_PYTEST = $(call pytest_cmd,$(SAN_PYTEST_JOBS))
FUZZ_SECONDS ?= 60
DIFFTEST_SECONDS ?= 600

.PHONY: all deps build run test unit integration test-asan test-tsan fuzz difftest bench format clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)
	@ln -sf $(BUILD_DIR)/compile_commands.json compile_commands.json

# The embedded default config (no --config: 127.0.0.1:6666, data in ./mnemo-data) plus the HTTP
# monitoring endpoint on 127.0.0.1:$(HTTP_PORT) (docs/monitoring.md).
HTTP_PORT ?= 9666
run: build
	$(BUILD_DIR)/mnemo --http-port $(HTTP_PORT)

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

integration: build
	MNEMO_BIN=$(abspath $(BUILD_DIR)/mnemo) $(PYTEST) tests/integration

test: build
	@echo "== unit tests (ctest) =="
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)
	@echo "== integration tests (pytest) =="
	MNEMO_BIN=$(abspath $(BUILD_DIR)/mnemo) $(PYTEST) tests/integration

test-asan: deps
	cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DMNEMO_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_DIR) -j $(JOBS)
	cd $(ASAN_DIR) && ctest --output-on-failure -j $(JOBS)
	MNEMO_BIN=$(abspath $(ASAN_DIR)/mnemo) MNEMO_SANITIZED=1 $(SAN_PYTEST) tests/integration

# ThreadSanitizer: every unit test and the whole integration suite (about 3.5 min of tests on the
# 2-core VM, after a build of about 7), so every path the suite drives between the server's
# threads is checked: workers sharing keys, the group commit, the key cache, the governor and
# RocksDB's threads against the workers, pipelining and backpressure, kill -9 under load, a
# full disk. Any report fails the run (halt_on_error: the server exits 66, and the test that
# owns it fails). RocksDB is linked as a shared library in this build and the run sets
# ignore_noninstrumented_modules=1: what RocksDB, libevent and libstdc++ do inside their own
# (uninstrumented) code is not reported, every access of Mnemo's code is (CMakeLists.txt says
# how the binary keeps the libraries' code in the libraries). tsan.supp is empty: a race in
# Mnemo's code is fixed, never suppressed. The lock-order (deadlock) detector is off: it can
# track at most 64 mutexes held by one thread, and a group commit holds the stripe of every key
# in its batch (taken in stripe order, so never an inversion), which aborts TSan itself.
# One test is left out: test_info_and_memory_stats_agree_when_taken_apart compares the RSS of
# two snapshots a moment apart within 2 MB / 5 %; under TSan, whose shadow memory is part of the
# RSS, the second read 9 MB (11 %) higher after its load in every run (2026-12-01).
TSAN_TESTS ?= tests/integration
TSAN_DESELECT ?= tests/integration/test_memory.py::test_info_and_memory_stats_agree_when_taken_apart
TSAN_OPTIONS_ALL = halt_on_error=1 detect_deadlocks=0 history_size=4 ignore_noninstrumented_modules=1 \
  suppressions=$(abspath tsan.supp)
test-tsan: deps
	cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMNEMO_TSAN=ON >/dev/null
	cmake --build $(TSAN_DIR) -j $(JOBS)
	cd $(TSAN_DIR) && TSAN_OPTIONS="$(TSAN_OPTIONS_ALL)" ctest --output-on-failure -j $(JOBS)
	MNEMO_BIN=$(abspath $(TSAN_DIR)/mnemo) MNEMO_SANITIZED=1 TSAN_OPTIONS="$(TSAN_OPTIONS_ALL)" \
	  $(SAN_PYTEST) $(TSAN_TESTS) $(addprefix --deselect ,$(TSAN_DESELECT))

# Each target runs FUZZ_SECONDS; -max_len reaches past the 64 KiB request limits. The last line
# of each run is its executions per second (libFuzzer's final stats).
FUZZ_TARGETS ?= resp_parser command
FUZZ_MAX_LEN ?= 70000
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -DMNEMO_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS) s =="; \
	  $(FUZZ_DIR)/fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
	    -timeout=120 -rss_limit_mb=4096 -print_final_stats=1 \
	    $(FUZZ_DIR)/corpus/$$t fuzz/corpus/$$t 2>$(FUZZ_DIR)/$$t.log \
	    || { tail -60 $(FUZZ_DIR)/$$t.log; exit 1; }; \
	  awk -v t=$$t '/stat::number_of_executed_units/ {n=$$2} /stat::average_exec_per_sec/ {r=$$2} \
	    END {printf "fuzz %s: %d executions, %d exec/s\n", t, n, r}' $(FUZZ_DIR)/$$t.log; \
	done

# The differential tester alone, for longer than `make test` gives it (test_differential.py):
# the scripted cases, then random seeds for DIFFTEST_SECONDS. A difference prints its replay line.
difftest: build
	$(PYTHON) tests/differential/difftest.py --mnemo-bin $(BUILD_DIR)/mnemo --seconds $(DIFFTEST_SECONDS)

bench: build
	$(PYTHON) bench/run.py --bin $(BUILD_DIR)/mnemo $(BENCH_ARGS)

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) $(FUZZ_DIR)
