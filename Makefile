# rdird: build, test, demo, bench, install.
#
# `make build` produces one statically linked binary. CARGO_TARGET_DIR may
# point outside the clone (CI keeps its cache there).

TARGET      := x86_64-unknown-linux-gnu
TARGET_DIR  ?= $(or $(CARGO_TARGET_DIR),target)
# The shipped binary is built with the size profile (Cargo.toml's
# [profile.dist]); the tests' own binaries use the release profile.
STATIC_BIN  := $(TARGET_DIR)/$(TARGET)/dist/rdird
STATIC_FLAGS := -C target-feature=+crt-static -C relocation-model=static
PREFIX      ?= /usr/local
CARGO       ?= cargo
# RustPython 0.6's parser crates declare a newer rustc than they need.
CARGO_FLAGS := --locked --ignore-rust-version
# Build, test and bench link statically.
STATIC_ENV  := RUSTFLAGS="$(STATIC_FLAGS)"

.PHONY: build packages test lint demo bench install fuzz clean

## build: the static binary, as shipped ($(STATIC_BIN))
build:
	$(STATIC_ENV) $(CARGO) build --profile dist $(CARGO_FLAGS) --target $(TARGET) --bin rdird
	@echo "built $(STATIC_BIN)"

## packages: the Debian packages the build and the tests need, installed when missing (.ci/packages)
packages:
	bash .ci/packages

## test: every test (unit, integration against Debian's Bacula tools, the saved fuzz corpus),
## once the packages they need are there
test: packages
	$(MAKE) build
	RDIRD_STATIC_BIN="$(abspath $(STATIC_BIN))" $(STATIC_ENV) $(CARGO) test --release $(CARGO_FLAGS) --target $(TARGET)

## lint: formatting and clippy, as CI checks them
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy $(CARGO_FLAGS) --all-targets -- -D warnings

## demo: a backup through Debian's bacula-fd and bacula-sd, with the example script naming volumes
demo: build
	RDIRD_BIN="$(STATIC_BIN)" bash examples/demo.sh

## bench: the benchmarks, each beside its anchor; writes bench/results.md
bench: build
	$(STATIC_ENV) CARGO_FLAGS="$(CARGO_FLAGS)" TARGET=$(TARGET) STATIC_BIN="$(STATIC_BIN)" bash bench/run.sh

## install: the binary into $(PREFIX)/sbin
install: build
	install -D -m 0755 $(STATIC_BIN) $(DESTDIR)$(PREFIX)/sbin/rdird

## fuzz: build the fuzz targets (libFuzzer) and run each for FUZZ_SECONDS
# (cargo fuzz's own build cannot pass --ignore-rust-version, so the
# sanitizer-coverage flags it uses are given here). The fuzz build keeps its
# own target folder, whatever CARGO_TARGET_DIR says: its flags differ.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS := config bnet login command catreq label schedule
FUZZ_FLAGS := -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions=off
fuzz:
	cd fuzz && CARGO_TARGET_DIR=target RUSTFLAGS="$(FUZZ_FLAGS)" $(CARGO) build --release --locked --ignore-rust-version --target $(TARGET)
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t; \
	  fuzz/target/$(TARGET)/release/$$t fuzz/corpus/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=8192 || exit 1; \
	done

clean:
	$(CARGO) clean
