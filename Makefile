# gradcheck: the README's commands. Every target installs what it needs.
SHELL := /bin/bash
SWIFT ?= swift
BIN_RELEASE := .build/release/gradcheck
APT_PKGS := libgsl-dev pkg-config

## TARGET_CPU: the CPU the Swift code of the builds below is compiled for (build, release, test,
## report, bench, test-sanitize, test-interrupts, compare-cpu-builds; not fuzz or example). By
## default the machine's own when it is an x86-64 CPU with the x86-64-v2 and -v3 features
## (SSE4.2, POPCNT, AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE: every x86-64 server CPU since about
## 2015): swiftc's `haswell` (its other features, RDRAND and the like, are emitted only through
## intrinsics, which the code does not use); else empty: the compiler's baseline (SSE2 on
## x86-64). A CPU with AVX2 (AVX2_CPUS) also defines GRADCHECK_AVX2, which makes the generic
## batched eigen kernel's lanes four doubles wide. The batched small-matrix kernels then hold
## 4 doubles in a register (about 1.25x the baseline build's throughput at order 3, 1.2x at
## order 8). The results are the same bytes either way (Swift fuses a multiply and an add only
## where the code asks, and those fmas are correctly rounded on every CPU; `make
## compare-cpu-builds` checks it). A binary built for `haswell` stops with an illegal
## instruction on an older CPU: `make TARGET_CPU=` builds one for any x86-64 machine.
CPU_FEATURES := cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3 avx avx2 bmi1 bmi2 f16c fma abm movbe xsave
ifeq ($(origin TARGET_CPU),undefined)
TARGET_CPU := $(shell [ "$$(uname -m)" = x86_64 ] && flags=$$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null) \
  && for f in $(CPU_FEATURES); do [[ " $$flags " == *" $$f "* ]] || exit 0; done && echo haswell)
endif
AVX2_CPUS := haswell core-avx2 broadwell skylake skylake-avx512 skx cascadelake cooperlake cannonlake \
  icelake-client icelake-server rocketlake tigerlake sapphirerapids alderlake raptorlake meteorlake \
  znver1 znver2 znver3 znver4 znver5
SWIFT_CPU_FLAGS := $(if $(strip $(TARGET_CPU)),-Xswiftc -target-cpu -Xswiftc $(strip $(TARGET_CPU))) \
  $(if $(filter $(AVX2_CPUS),$(strip $(TARGET_CPU))),-Xswiftc -DGRADCHECK_AVX2)

.PHONY: deps test report build release bench clean example

## deps: install GSL (apt-get when root, otherwise print the exact command and stop)
deps:
	@if [ -f /usr/include/gsl/gsl_eigen.h ] && command -v pkg-config >/dev/null; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "make deps: installing $(APT_PKGS) with apt-get"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS) >/dev/null; \
	else \
	  echo "make deps: GSL is missing. Run: sudo apt-get install -y $(APT_PKGS)"; exit 2; \
	fi

build: deps
	$(SWIFT) build $(SWIFT_CPU_FLAGS)

release: deps
	$(SWIFT) build -c release $(SWIFT_CPU_FLAGS)

## test: deps + NumPy (pip, for the external evaluator tests) + the whole test suite (as root it also installs Chromium for the
## browser test of the HTML report; without it that test is skipped with the reason)
test: deps
	@if ! command -v chromium >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  echo "make test: installing chromium for the HTML report test"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || echo "make test: chromium not installed; the browser test will be skipped"; \
	fi
	@python3 -c 'import numpy' 2>/dev/null || python3 -m pip install -q numpy
	$(SWIFT) build --build-tests $(SWIFT_CPU_FLAGS)
	GRADCHECK_BIN=$$(pwd)/.build/debug/gradcheck $(SWIFT) test --skip-build $(SWIFT_CPU_FLAGS)

## report: deps + release build + every shipped fixture and the default sweep into Reports/
## (fixtures/ and sweep/ reports, their merge as Reports/{results.json,report.md,report.html,junit.xml},
## the solver cross-check in eig/, and Reports/index.html linking them)
report: release
	@mkdir -p Reports
	$(BIN_RELEASE) check fixtures --transform all --beta 1,2,5,10,20,50 --out Reports/fixtures --exit-zero
	$(BIN_RELEASE) sweep --out Reports/sweep --exit-zero
	$(BIN_RELEASE) eig fixtures --family lapack --n 1,2,3,5,10,20 --count 3 --out Reports/eig --exit-zero
	$(BIN_RELEASE) merge Reports/fixtures/results.json Reports/sweep/results.json --out Reports --exit-zero
	$(BIN_RELEASE) report Reports/results.json --title "gradcheck: fixtures and sweep" --html Reports/report.html \
	  --index Reports/index.html \
	  --entry "All cases (fixtures and sweep)|report.html|Reports/results.json" \
	  --entry "Shipped fixtures, every transform and beta|fixtures/report.html|Reports/fixtures/results.json" \
	  --entry "Generated sweep|sweep/report.html|Reports/sweep/results.json" \
	  --entry "Eigen solver against GSL|eig/report.html|Reports/eig/results.json" --exit-zero
	@echo "Open Reports/index.html (summary in Reports/report.md)"

clean:
	rm -rf .build Reports/*.json Reports/*.md Reports/*.html Reports/*.xml Reports/fixtures Reports/sweep Reports/eig

## fuzz: build the libFuzzer targets (Fuzz/build.sh) and run each for FUZZ_SECONDS (default 60)
## with the committed seed corpora; new inputs go to .build-fuzz/corpus/ (git-ignored), crashes
## to .build-fuzz/artifacts/. See Fuzz/README.md.
FUZZ_SECONDS ?= 60
.PHONY: fuzz test-sanitize test-interrupts
fuzz:
	Fuzz/build.sh
	Fuzz/run.sh $(FUZZ_SECONDS)

## test-sanitize: deps + the whole suite under ThreadSanitizer, then under AddressSanitizer,
## each in its own scratch path (.build-tsan, .build-asan); the CLI tests run the sanitized binary.
## LeakSanitizer suppressions (toolchain libraries only): Fuzz/lsan-suppressions.txt
test-sanitize: deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan $(SWIFT_CPU_FLAGS)
	GRADCHECK_BIN=$$(pwd)/.build-tsan/debug/gradcheck $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan $(SWIFT_CPU_FLAGS)
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan $(SWIFT_CPU_FLAGS)
	LSAN_OPTIONS=suppressions=$$(pwd)/Fuzz/lsan-suppressions.txt GRADCHECK_BIN=$$(pwd)/.build-asan/debug/gradcheck \
	  $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan $(SWIFT_CPU_FLAGS)

## test-baseline: the whole suite built for the compiler's baseline (as plain `swift build` and
## packages depending on this one build it: the generic batched kernel two lanes wide), in its
## own scratch path (.build-baseline-test), for machines where make test builds for AVX2.
.PHONY: test-baseline
test-baseline: deps
	$(SWIFT) build --build-tests --scratch-path .build-baseline-test
	GRADCHECK_BIN=$$(pwd)/.build-baseline-test/debug/gradcheck $(SWIFT) test --skip-build --scratch-path .build-baseline-test

## compare-cpu-builds: builds gradcheck in release for the baseline and for TARGET_CPU (with its
## flags, as every build here) in their own scratch paths and checks that make report's outputs, a float32 sweep and
## the selftest are the same bytes (scripts/compare-cpu-builds.sh; about 8 minutes on 2 cores).
.PHONY: compare-cpu-builds
compare-cpu-builds: deps
	@if [ -z "$(strip $(TARGET_CPU))" ]; then \
	  echo "make compare-cpu-builds: this machine builds for the baseline (no x86-64-v3 CPU found); name a CPU it can run: make compare-cpu-builds TARGET_CPU=..."; exit 2; \
	fi
	SWIFT=$(SWIFT) TARGET_FLAGS="$(strip $(SWIFT_CPU_FLAGS))" scripts/compare-cpu-builds.sh

## test-interrupts: builds the ThreadSanitizer binary (.build-tsan) and interrupts a sweep with
## SIGINT and with SIGTERM, 30 times each (RUNS=...): every run must exit 130 / 143 with its
## message, leave no file and no ThreadSanitizer report (scripts/test-interrupts.sh).
test-interrupts: deps
	SWIFT=$(SWIFT) SWIFT_FLAGS="$(strip $(SWIFT_CPU_FLAGS))" scripts/test-interrupts.sh

## bench: the side-by-side benchmark (Benchmarks/, a separate package: the product never links
## LAPACK). Native EigenSolver (and its batched path) vs GSL vs LAPACKE dgeev (OpenBLAS, one thread)
## in one process, release build, then the default sweep of the release gradcheck with --jobs 1 and
## all cores; prints the table and writes Reports/bench.json. Then exec-bench: points per second
## through the gradcheck-exec/1 pipe with the NumPy example evaluator at N = 3, and a whole
## `sweep --n 3 --exec` (Reports/exec-bench.json). Installs its packages with apt-get (and NumPy
## with pip) when root.
BENCH_APT_PKGS := libgsl-dev liblapacke-dev libopenblas0-pthread pkg-config
bench:
	@if [ -f /usr/include/gsl/gsl_eigen.h ] && [ -f /usr/include/lapacke.h ] \
	  && ls /usr/lib/*/libopenblas.so.0 >/dev/null 2>&1 && command -v pkg-config >/dev/null; then \
	  exit 0; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "make bench: installing $(BENCH_APT_PKGS) with apt-get"; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_APT_PKGS) >/dev/null; \
	else \
	  echo "make bench: missing packages. Run: sudo apt-get install -y $(BENCH_APT_PKGS)"; exit 2; \
	fi
	$(SWIFT) build -c release --package-path Benchmarks $(SWIFT_CPU_FLAGS)
	$(SWIFT) build -c release --product gradcheck $(SWIFT_CPU_FLAGS)
	$(SWIFT) build -c release --product exec-bench $(SWIFT_CPU_FLAGS)
	@python3 -c 'import numpy' 2>/dev/null || python3 -m pip install -q numpy
	@mkdir -p Reports
	EIGENBENCH_TARGET_CPU="$(strip $(TARGET_CPU))" OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 Benchmarks/.build/release/EigenBench --out Reports/bench.json
	OPENBLAS_NUM_THREADS=1 .build/release/exec-bench --sweep .build/release/gradcheck --out Reports/exec-bench.json

## example: the README's "Use as a library" snippets built in a new package that depends on this
## repository by path (Examples/standalone-package.sh; about 40 s on 2 cores, so not in make test,
## which runs the same snippets as the Examples/FDLibraryExample target)
example:
	Examples/standalone-package.sh
