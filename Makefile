# Ember: common tasks. `make test` is the README's test command and what CI runs.
GO      ?= go
PKGS    := ./...
NVCC    ?= nvcc
PTXAS   ?= ptxas
PTXARCH ?= compute_80
CU_SRC  := $(wildcard cuda/kernels/*.cu) $(wildcard examples/*/kernels/*.cu)
CU_INC  := $(wildcard cuda/kernels/*.cuh)
CU_PTX  := $(CU_SRC:.cu=.ptx)

.PHONY: all build test test-short vet fmt-check train bench ptx ptx-check cuda-build cuda-test cuda-emu-test cuda-emu-test-fma cuda-testbin gpu-bundle setup clean

all: build

setup:
	bash scripts/setup.sh

build:
	$(GO) build $(PKGS)

# The full test suite: format, vet, then every test (shared data under ../shared/data
# is used when present; CI always has it).
test: fmt-check vet
	$(GO) test -count=1 -timeout 20m $(PKGS)

test-short:
	$(GO) test -short -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# The main job: train the spam classifier (embedded demo corpus unless DATA is set).
train:
	$(GO) run ./cmd/spamrnn train $(if $(DATA),--data $(DATA))

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# CUDA kernels: .cu -> .ptx (committed, embedded with go:embed): the
# engine's (cuda/kernels) and those of ops in their own packages (examples).
ptx: $(CU_PTX)

%.ptx: %.cu
	$(NVCC) -ptx -arch=$(PTXARCH) -O3 -o $@ $<

# The engine's kernels include the shared headers (recurrent.cuh, sync.cuh).
$(patsubst %.cu,%.ptx,$(wildcard cuda/kernels/*.cu)): $(CU_INC)

# Fails when a committed .ptx is not what nvcc makes from its .cu today, or
# when ptxas cannot assemble it for Hopper (sm_90, what the driver JITs it
# to on an H100): the PTX is checked without a GPU.
ptx-check:
	@set -e; tmp=$$(mktemp -d); for f in $(CU_SRC); do \
		$(NVCC) -ptx -arch=$(PTXARCH) -O3 -o $$tmp/$$(basename $${f%.cu}).ptx $$f; \
		if ! cmp -s $$tmp/$$(basename $${f%.cu}).ptx $${f%.cu}.ptx; then \
			echo "stale PTX: $${f%.cu}.ptx (run make ptx)"; exit 1; fi; \
		$(PTXAS) -arch=sm_90 -o /dev/null $${f%.cu}.ptx; \
	done; rm -rf $$tmp; echo "PTX up to date and assembles for sm_90"

# The CUDA backend builds under the tag embercuda (gorgonia's own tag "cuda"
# switches gorgonia to its cuDNN backend, which we must not link).
cuda-build:
	$(GO) build -tags embercuda $(PKGS)
	$(GO) vet -tags embercuda $(PKGS)

# CUDA-tagged tests that need no device: PTX embedding, argument packing, the
# no-device path (device tests skip with a message when no GPU is present).
cuda-test:
	$(GO) test -count=1 -tags embercuda ./cuda/ ./cudaexec/ ./train/ ./examples/... ./cmd/spamrnn/

# The kernels' CUDA source compiled for the CPU and checked against Go
# references (-short keeps the large shapes out).
cuda-emu-test:
	$(GO) test -count=1 -short -tags cudaemu ./cuda/ ./cudaexec/ ./graph/ ./train/ ./examples/... ./spam/ ./cmd/spamrnn/

# The same with the emulated kernels compiled as nvcc compiles them for the
# GPU, with a*b+c contracted into fused multiply-adds: float rounding then
# differs from the Go references as it will on hardware, so tolerances that
# are too tight fail here first. TestEmulatorFMA checks the flags took effect.
EMU_FMA_FLAGS ?= -O2 -mfma -ffp-contract=fast
cuda-emu-test-fma:
	CGO_CXXFLAGS="$(EMU_FMA_FLAGS)" EMBER_EMU_FMA=1 $(GO) test -count=1 -short -tags cudaemu ./cuda/ ./cudaexec/ ./graph/ ./train/ ./examples/... ./spam/

# Test binaries for the GPU machine (no Go there): out/devrun/*.test
cuda-testbin:
	mkdir -p devrun
	for p in $$($(GO) list -tags embercuda -f '{{if .TestGoFiles}}{{.ImportPath}}{{end}}' $(PKGS)); do \
		$(GO) test -c -tags embercuda -o devrun/$$(basename $$p).test $$p; done

# Everything a GPU machine with no Go needs, in devrun/gpu/ (at most 60 MiB,
# so the device tool can carry it): stripped embercuda test binaries of the
# packages with device tests, spambench and spamrnn, the SMS data they read,
# the PyTorch reference script, and run.sh (scripts/gpu-run.sh). Then run
# `bash devrun/gpu/run.sh all` there with carry ["devrun/gpu"]: docs/gpu.md.
gpu-bundle:
	GO=$(GO) bash scripts/gpu-bundle.sh

clean:
	rm -rf bin out devrun
