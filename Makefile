# ember — the two commands a new user needs:
#   make demo    the anomaly-detection pipeline: synthetic vibration data,
#                training, ROC-AUC, export, Cortex-M4F firmware under QEMU
#                (device = host, bit for bit), footprint (tools/demo.sh)
#   make test    build and run the tests on every target (host, host under
#                ASan+UBSan, ARM Linux under qemu-user, Cortex-M under
#                qemu-system-arm)
# Both first install the missing Debian packages (make deps).
#
# Also: make demo-2d (a 2-D density trained by NCE, drawn as PNG)
#       make fuzz [FUZZ_SECONDS=600] (every fuzz target that long; tools/fuzz.sh)
#       make tidy (clang-tidy over include/ember and lib/, .clang-tidy; tools/tidy.sh)
#       make bench | golden | format | format-check | clean
#       make test PRESETS="host cortex-m4f"   (a subset of the targets)

PRESETS ?= host host-avx2 host-asan aarch64 armv7-neon armv7-noneon cortex-m4f cortex-m7 cortex-m3 fuzz
JOBS ?= 2

FORMAT_DIRS := include lib ports examples tests
FORMAT_FILES = $(shell find $(FORMAT_DIRS) -type f \( -name '*.hpp' -o -name '*.cpp' \
                 -o -name '*.h' -o -name '*.c' \) 2>/dev/null | sort)

.PHONY: all deps test demo demo-2d bench fuzz golden format format-check tidy clean

all: test

deps:
	@tools/deps.sh

test: deps
	@EMBER_JOBS=$(JOBS) tools/run-tests.sh $(PRESETS)

# The demo uses the AVX2+FMA build where the CPU has it: the baseline x86-64
# build has no FMA instruction, so its (correctly rounded) fma is a slow
# library call.
DEMO_PRESET := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo host-avx2 || echo host)

demo: deps
	@EMBER_JOBS=$(JOBS) tools/demo.sh $(DEMO_PRESET)

demo-2d: deps
	cmake --preset $(DEMO_PRESET)
	cmake --build --preset $(DEMO_PRESET) -j $(JOBS) --target ember_demo
	./build/$(DEMO_PRESET)/examples/ember_demo

bench: deps
	@if ! ls tests/bench/*.cpp >/dev/null 2>&1; then echo "no benchmarks in tests/bench/ yet"; exit 0; fi; \
	cmake --preset host-avx2 && \
	cmake --build --preset host-avx2 -j $(JOBS) --target ember_bench && \
	./build/host-avx2/tests/bench/ember_bench

FUZZ_SECONDS ?= 600
fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	@tools/fuzz.sh $(FUZZ_SECONDS)

# Regenerates tests/golden/golden_<suite>.inc with the host build.
golden: deps
	cmake --preset host
	cmake --build --preset host -j $(JOBS) --target ember_make_golden
	@for file in tests/golden/golden_*.inc; do \
	    suite=$${file#tests/golden/golden_}; suite=$${suite%.inc}; \
	    echo "ember_make_golden $$suite > $$file"; \
	    ./build/host/tests/ember_make_golden $$suite > $$file.tmp && mv $$file.tmp $$file \
	        || { rm -f $$file.tmp; exit 1; }; \
	done

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

# Not part of make test (yet): 240 s of CPU, about 2 minutes on two idle
# cores (9 on this shared machine).
tidy: deps
	@JOBS=$(JOBS) tools/tidy.sh

clean:
	rm -rf build
