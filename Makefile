# reweigh: build, test, demo. Needs Go (go.mod's version) and a C compiler (DuckDB's driver is cgo).
GO      ?= go
VERSION ?= $(shell git describe --tags --always 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
BIN     := bin/reweigh
# The x86-64 level every target compiles for (the build, the tests, the benchmarks, so the
# tests run the code that ships): v3 (AVX2, BMI2, FMA, ...) when this machine has it, as every
# x86-64 server of the last decade does (a national run used about 3% less CPU:
# docs/performance.md, thirteenth round), else v1. Other architectures ignore it. A binary for
# any x86-64 machine: make build GOAMD64=v1.
V3_FLAGS := avx avx2 bmi1 bmi2 f16c fma movbe abm
GOAMD64 ?= $(shell ([ "$$(uname -m)" = x86_64 ] && for f in $(V3_FLAGS); do grep -qw $$f /proc/cpuinfo || exit 1; done) 2>/dev/null && echo v3 || echo v1)
export GOAMD64
DEMO    := out/demo

.PHONY: build test demo lint bench pgo clean

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/reweigh

# Every test, with the race detector. -pgo=off: the tests build without cmd/reweigh/default.pgo,
# which changes no behaviour and would otherwise compile every dependency a second time.
test:
	$(GO) test -race -shuffle=on -pgo=off ./...

# A real determination run on the sample data shipped in testdata/sample, then a query over it.
demo: build
	$(BIN) run --year 2025 --in testdata/sample --out $(DEMO)
	@echo
	$(BIN) query --out $(DEMO) "SELECT level, pathway, quality_weight AS q, cost_weight AS c, ia_weight AS ia, pi_weight AS pi, count(*) AS n FROM determinations GROUP BY ALL ORDER BY level, n DESC"
	@echo
	$(BIN) query --out $(DEMO) "SELECT npi, tin, quality_weight AS q, cost_weight AS c, ia_weight AS ia, pi_weight AS pi, pi_reason FROM determinations WHERE level = 'individual' AND tin = '012345678' ORDER BY npi"

# National-scale benchmark: generates (and caches in bench/cache) the fixtures, then measures
# `reweigh run` against the DuckDB reference (bench/reference.sql) and the I/O floor, and runs
# the Go benchmarks of the readers, rules hot path, pipeline and writers.
bench: build
	$(GO) build -o bin/reweigh-bench ./bench
	bin/reweigh-bench -reweigh $(BIN) -cache bench/cache -scales 150000,1500000
	$(GO) test -run '^$$' -bench . -benchmem ./readers ./rules ./pipeline ./writers

# Refreshes cmd/reweigh/default.pgo, the CPU profile `go build` optimizes the reweigh command
# with (profile-guided optimization: docs/performance.md, eleventh round): three national runs
# of a build without it, merged. Run it after changing the hot paths; a stale profile still
# builds, it only helps less.
PGO_FIXTURE := bench/cache/n1500000-seed1
pgo:
	$(GO) build -pgo=off -ldflags "$(LDFLAGS)" -o bin/reweigh-nopgo ./cmd/reweigh
	test -f $(PGO_FIXTURE)/clinicians.parquet || bin/reweigh-nopgo fixtures --scale 1500000 --seed 1 --out $(PGO_FIXTURE) --format parquet
	mkdir -p out
	for i in 1 2 3; do rm -rf out/pgo && bin/reweigh-nopgo run --year 2025 --in $(PGO_FIXTURE) --out out/pgo --quiet --cpuprofile out/pgo-$$i.pprof || exit 1; done
	$(GO) tool pprof -proto out/pgo-1.pprof out/pgo-2.pprof out/pgo-3.pprof > cmd/reweigh/default.pgo
	rm -rf out/pgo out/pgo-*.pprof

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin out
