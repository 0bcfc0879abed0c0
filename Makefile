# rdird: build, test, demo, bench, install.
#
# `make build` produces one statically linked binary. CARGO_TARGET_DIR may
# point outside the clone (CI keeps its cache there).

TARGET      := x86_64-unknown-linux-gnu
TARGET_DIR  ?= $(or $(CARGO_TARGET_DIR),target)
STATIC_BIN  := $(TARGET_DIR)/$(TARGET)/release/rdird
STATIC_FLAGS := -C target-feature=+crt-static -C relocation-model=static
PREFIX      ?= /usr/local
CARGO       ?= cargo

.PHONY: build test lint demo bench install fuzz clean

## build: the static release binary ($(STATIC_BIN))
build:
	RUSTFLAGS="$(STATIC_FLAGS)" $(CARGO) build --release --locked --target $(TARGET)
	@echo "built $(STATIC_BIN)"

## test: every test (unit, integration against Debian's Bacula tools, the saved fuzz corpus)
test: build
	RDIRD_STATIC_BIN="$(abspath $(STATIC_BIN))" $(CARGO) test --locked

## lint: formatting and clippy, as CI checks them
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## demo: check and dump the example configuration
demo: build
	$(STATIC_BIN) -t -c examples/bacula-dir.conf
	@echo "examples/bacula-dir.conf: configuration OK"
	$(STATIC_BIN) config dump -c examples/bacula-dir.conf

## bench: benchmarks (none defined yet)
bench:
	@echo "make bench: no benchmarks are defined yet; issues 2/6 to 5/6 add them."

## install: the binary into $(PREFIX)/sbin
install: build
	install -D -m 0755 $(STATIC_BIN) $(DESTDIR)$(PREFIX)/sbin/rdird

## fuzz: run the configuration fuzzer (needs cargo-fuzz); SECONDS=300 by default
FUZZ_SECONDS ?= 300
fuzz:
	cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run config -- -max_total_time=$(FUZZ_SECONDS)

clean:
	$(CARGO) clean
