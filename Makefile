# Ember: common tasks. `make test` is the README's test command and what CI runs.
GO      ?= go
PKGS    := ./...
NVCC    ?= nvcc
PTXAS   ?= ptxas
FATBINARY ?= fatbinary
PTXARCH ?= compute_80
SASSARCH ?= sm_90
CU_SRC  := $(wildcard cuda/kernels/*.cu) $(wildcard examples/*/kernels/*.cu)
CU_INC  := $(wildcard cuda/kernels/*.cuh)
CU_PTX  := $(CU_SRC:.cu=.ptx)
CU_FATBIN := $(patsubst %.cu,%.fatbin,$(wildcard cuda/kernels/*.cu))
# fatbinary names images by number: sm=90 for SASSARCH sm_90, sm=80 for compute_80.
FATBIN_IMAGES = --image3=kind=elf,sm=$(SASSARCH:sm_%=%),file=$(1) --image3=kind=ptx,sm=$(PTXARCH:compute_%=%),file=$(2)

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
# The engine's are also shipped as a fatbin (committed, embedded): sm_90 SASS
# assembled by ptxas from that same PTX, beside the PTX itself (compressed),
# so an H100/H200 loads machine code with no JIT and other GPUs JIT the PTX.
ptx: $(CU_PTX) $(CU_FATBIN)

%.ptx: %.cu
	$(NVCC) -ptx -arch=$(PTXARCH) -O3 -o $@ $<

%.fatbin: %.ptx
	$(PTXAS) -arch=$(SASSARCH) -o $*.cubin $<
	$(FATBINARY) -64 --create=$@ $(call FATBIN_IMAGES,$*.cubin,$<) --compress-all
	rm -f $*.cubin

# The engine's kernels include the shared headers (recurrent.cuh, sync.cuh).
$(patsubst %.cu,%.ptx,$(wildcard cuda/kernels/*.cu)): $(CU_INC)

# Fails when a committed .ptx is not what nvcc makes from its .cu today,
# when ptxas cannot assemble it for Hopper (sm_90, what an H100 runs), or
# when a committed .fatbin is not what ptxas and fatbinary make of that PTX:
# the kernels are checked without a GPU.
ptx-check:
	@set -e; tmp=$$(mktemp -d); for f in $(CU_SRC); do \
		b=$$tmp/$$(basename $${f%.cu}); \
		$(NVCC) -ptx -arch=$(PTXARCH) -O3 -o $$b.ptx $$f; \
		if ! cmp -s $$b.ptx $${f%.cu}.ptx; then \
			echo "stale PTX: $${f%.cu}.ptx (run make ptx)"; exit 1; fi; \
		$(PTXAS) -arch=$(SASSARCH) -o $$b.cubin $${f%.cu}.ptx; \
		case " $(CU_FATBIN) " in *" $${f%.cu}.fatbin "*) \
			$(FATBINARY) -64 --create=$$b.fatbin $(call FATBIN_IMAGES,$$b.cubin,$${f%.cu}.ptx) --compress-all; \
			if ! cmp -s $$b.fatbin $${f%.cu}.fatbin; then \
				echo "stale fatbin: $${f%.cu}.fatbin (run make ptx)"; exit 1; fi;; \
		esac; \
	done; rm -rf $$tmp; echo "PTX and fatbins up to date; the PTX assembles for $(SASSARCH)"

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
# references, at the spam model's sizes too (hidden 256, 44 steps): about
# 2.5 minutes on two cores.
cuda-emu-test:
	$(GO) test -count=1 -tags cudaemu ./cuda/ ./cudaexec/ ./graph/ ./train/ ./examples/... ./spam/ ./cmd/spamrnn/

# The same with the emulated kernels compiled as nvcc compiles them for the
# GPU, with a*b+c contracted into fused multiply-adds: float rounding then
# differs from the Go references as it will on hardware, so tolerances that
# are too tight fail here first. TestEmulatorFMA checks the flags took effect.
# The threads of a block run last first between barriers here (first first
# in cuda-emu-test), so a missing __syncthreads shows in one of the two.
# EMBER_EMU_UCONTEXT enters the fibers by setcontext, as on CPUs other than
# x86-64 (emu_runtime.h), so that route is tested here too.
EMU_FMA_FLAGS ?= -O2 -mfma -ffp-contract=fast -DEMBER_EMU_UCONTEXT
cuda-emu-test-fma:
	CGO_CXXFLAGS="$(EMU_FMA_FLAGS)" EMBER_EMU_FMA=1 EMBER_EMU_THREAD_ORDER=reverse $(GO) test -count=1 -tags cudaemu ./cuda/ ./cudaexec/ ./graph/ ./train/ ./examples/... ./spam/

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
