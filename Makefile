# gradcheck: the README's commands. Every target installs what it needs.
SHELL := /bin/bash
SWIFT ?= swift
BIN_RELEASE := .build/release/gradcheck
APT_PKGS := libgsl-dev pkg-config

.PHONY: deps test report build release bench clean

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
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## test: deps + the whole test suite
test: deps
	$(SWIFT) build --build-tests
	GRADCHECK_BIN=$$(pwd)/.build/debug/gradcheck $(SWIFT) test --skip-build

## report: deps + release build + every shipped fixture and the default sweep into Reports/
report: release
	@mkdir -p Reports
	$(BIN_RELEASE) eig fixtures --family lapack --n 1,2,3,5,10,20 --count 3 --out Reports --exit-zero

clean:
	rm -rf .build Reports/*.json Reports/*.md Reports/*.html Reports/*.xml
