#!/usr/bin/env bash
# Builds devrun/gpu/: everything a GPU machine without Go needs to run this
# engine's CUDA tests, the spam benchmark against PyTorch and a CUDA training
# run, in one folder small enough to travel (the device tool carries at most
# 64 MiB; this script fails above 60 MiB). The binaries are about 125 MiB
# stripped (each links gorgonia, gonum and, where it plots, 4.6 MiB of
# fonts), so they travel as one xz archive with a window wider than all of
# them: what they share is stored once, about 16 MiB in all. run.sh unpacks
# it on the device (a second or two; xz, else Python's lzma).
#
#   scripts/gpu-bundle.sh            (or: make gpu-bundle)
#   then, on the device:  bash devrun/gpu/run.sh all     (see docs/gpu.md)
#
# Layout:
#   run.sh                 scripts/gpu-run.sh, the only thing to run there
#   payload.tar.xz         the binaries, built in devrun/gpu-build/ first:
#     tests/<pkg>.test     stripped test binaries (-tags embercuda) of the
#                          packages with device tests, and packages.txt
#                          (binary, package directory) so run.sh can run each
#                          where `go test` would
#     bin/spambench        benchmarks/spambench (-tags embercuda)
#     bin/spamrnn          cmd/spamrnn (-tags embercuda)
#     sanitizer/           CUDA 11.8's compute-sanitizer with the libraries
#                          and helpers it loads from its own folder (about
#                          21 MiB, 6 MiB compressed), when this machine has
#                          it (Debian's nvidia-cuda-toolkit); run.sh runs it
#                          first (docs/gpu.md)
#   data/sms_spam/SMSSpamCollection, data/sentiment/imdb_labelled.txt
#                          the shared data files they read (run.sh sets
#                          EMBER_DATA to data/; with CI=true a missing one fails)
#   pytorch/spam_lstm.py   the PyTorch reference spambench compares with
#   BUILD.txt              commit, Go and glibc versions, packages
#   SOURCES.sha256         hashes of the sources built, so run.sh can say
#                          when the tree it runs in has changed since
#
# Environment: GO (go), BUNDLE (devrun/gpu), MAX_MIB (60), EMBER_DATA (where
# the shared data is; default ../shared/data beside the module, as
# internal/shareddata finds it), EXTRA_TEST_PKGS (more packages to include).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
GO=${GO:-go}
BUNDLE=${BUNDLE:-devrun/gpu}
STAGE=${BUNDLE%/}-build
MAX_MIB=${MAX_MIB:-60}
TAGS=embercuda
FLAGS=(-tags "$TAGS" -trimpath -ldflags='-s -w')

# Packages whose tests (as built with -tags embercuda) carry the embercuda
# build tag or import this engine's cuda package: the device tests. ./spam
# is added by hand: its tests train through spam.Options.Device, the path
# spamrnn takes on a GPU, and read the shared SMS data.
ALWAYS_PKGS="./spam"
discover() {
	"$GO" list -tags "$TAGS" -f '{{.Dir}}|{{join .TestGoFiles ","}},{{join .XTestGoFiles ","}}' ./... |
		while IFS='|' read -r dir files; do
			IFS=',' read -ra fs <<<"$files"
			for f in "${fs[@]}"; do
				[ -n "$f" ] || continue
				if grep -qE '^//go:build .*embercuda|"github.com/emberml/ember/cuda"' "$dir/$f"; then
					echo "./${dir#"$ROOT"/}"
					break
				fi
			done
		done
}
found=$( { discover; for p in $ALWAYS_PKGS ${EXTRA_TEST_PKGS:-}; do echo "$p"; done; } | sort -u)
# Run order: the lowest layers first, so the first failure is the nearest
# to its cause; anything else found after them.
ORDER="./cuda ./cudaexec ./graph ./train ./spam ./cmd/spamrnn"
PKGS=$(for p in $ORDER; do grep -qx "$p" <<<"$found" && echo "$p"; done
	grep -vxF -f <(tr ' ' '\n' <<<"$ORDER") <<<"$found" || true)
[ -n "$PKGS" ] || { echo "gpu-bundle: no packages with device tests found" >&2; exit 1; }

# The shared data, found as internal/shareddata finds it.
if [ -n "${EMBER_DATA:-}" ]; then
	DATA=$EMBER_DATA
else
	DATA=$(dirname "$ROOT")/shared/data
fi
SMS=$DATA/sms_spam/SMSSpamCollection
IMDB=$DATA/sentiment/imdb_labelled.txt # cmd/spamrnn's TestTrainPositiveSentiment
for f in "$SMS" "$IMDB"; do
	[ -f "$f" ] || { echo "gpu-bundle: $f not found (set EMBER_DATA to the shared data directory)" >&2; exit 1; }
done

echo "gpu-bundle: building into $BUNDLE"
rm -rf "$BUNDLE" "$STAGE"
mkdir -p "$STAGE/tests" "$STAGE/bin" "$BUNDLE/data/sms_spam" "$BUNDLE/data/sentiment" "$BUNDLE/pytorch"

echo "gpu-bundle: test binaries:" $PKGS
# shellcheck disable=SC2086 # PKGS is a word list
"$GO" test -c "${FLAGS[@]}" -o "$STAGE/tests/" $PKGS
for p in $PKGS; do
	name=$(basename "$p").test
	[ -x "$STAGE/tests/$name" ] || { echo "gpu-bundle: $p built no $name" >&2; exit 1; }
	printf '%s %s\n' "$name" "${p#./}" >>"$STAGE/tests/packages.txt"
done

echo "gpu-bundle: bin/spambench bin/spamrnn"
# -buildvcs=auto (over a GOFLAGS=-buildvcs=false) stamps the commit into the
# programs: spambench records it in results.json where there is no checkout.
"$GO" build "${FLAGS[@]}" -buildvcs=auto -o "$STAGE/bin/spambench" ./benchmarks/spambench
"$GO" build "${FLAGS[@]}" -buildvcs=auto -o "$STAGE/bin/spamrnn" ./cmd/spamrnn

# compute-sanitizer looks for its libraries and its TreeLauncher helpers in
# its own folder; Debian splits them between /usr/bin and
# /usr/lib/nvidia-cuda-toolkit/compute-sanitizer, so gather them in one.
sanitizer="not bundled: no compute-sanitizer on the build machine (scripts/setup.sh --cuda installs it)"
if cs=$(command -v compute-sanitizer); then
	csdir=$(dirname "$(readlink -f "$cs")")
	libdir=""
	for d in "$csdir" /usr/lib/nvidia-cuda-toolkit/compute-sanitizer "$(dirname "$csdir")/compute-sanitizer"; do
		if [ -f "$d/libsanitizer-collection.so" ]; then libdir=$d; break; fi
	done
	if [ -n "$libdir" ] && [ -x "$csdir/TreeLauncherSubreaper" ]; then
		mkdir -p "$STAGE/sanitizer"
		cp "$(readlink -f "$cs")" "$STAGE/sanitizer/compute-sanitizer"
		cp "$libdir"/*.so "$csdir/TreeLauncherSubreaper" "$csdir/TreeLauncherTargetLdPreloadHelper" "$STAGE/sanitizer/"
		sanitizer="$("$STAGE/sanitizer/compute-sanitizer" --version | grep -i version | head -1)"
	else
		sanitizer="not bundled: $cs found without its libraries or TreeLauncher helpers"
	fi
fi
echo "gpu-bundle: sanitizer: $sanitizer"

cp "$SMS" "$BUNDLE/data/sms_spam/"
cp "$IMDB" "$BUNDLE/data/sentiment/"
cp benchmarks/pytorch/spam_lstm.py "$BUNDLE/pytorch/"
cp scripts/gpu-run.sh "$BUNDLE/run.sh"
chmod +x "$BUNDLE/run.sh"

# What was built, for the record and for run.sh's checks.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | wc -l)
glibc=$(objdump -T "$STAGE"/tests/*.test "$STAGE"/bin/* 2>/dev/null |
	grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 || true)
{
	echo "built:    $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
	echo "commit:   $commit$([ "$dirty" -gt 0 ] && echo " + $dirty modified tracked file(s)")"
	echo "go:       $("$GO" version)"
	echo "flags:    -tags $TAGS -trimpath -ldflags='-s -w'"
	echo "glibc:    needs ${glibc:-unknown} or newer (built against $(ldd --version 2>/dev/null | head -1 | grep -o '[0-9.]*$'))"
	echo "packages: $(echo $PKGS)"
	echo "sanitizer: $sanitizer"
} >"$BUNDLE/BUILD.txt"
git ls-files -co --exclude-standard -- '*.go' '*.ptx' '*.cu' '*.cuh' '*.cpp' '*.h' 'go.mod' 'go.sum' \
	'benchmarks/pytorch/spam_lstm.py' 'scripts/gpu-run.sh' | sort | xargs -d '\n' sha256sum >"$BUNDLE/SOURCES.sha256"


# One xz stream whose window covers every binary, so the code they share is
# stored once (preset 3 keeps it to well under a minute).
tar_bytes=$(du -sb "$STAGE" | cut -f1)
dict=$(((tar_bytes >> 20) + 1))
[ "$dict" -ge 8 ] || dict=8
echo "gpu-bundle: compressing $(((tar_bytes + 524288) >> 20)) MiB of binaries into payload.tar.xz (xz window ${dict} MiB)"
tar -C "$STAGE" --owner=0 --group=0 --numeric-owner -cf - tests bin $([ -d "$STAGE/sanitizer" ] && echo sanitizer) | xz -T1 --lzma2=preset=3,dict=${dict}MiB >"$BUNDLE/payload.tar.xz"
echo "payload:  payload.tar.xz sha256 $(sha256sum "$BUNDLE/payload.tar.xz" | cut -c1-64)" >>"$BUNDLE/BUILD.txt"

list() { (cd "$1" && find . -type f -printf '%s\t%p\n' | sort -k2 |
	awk -F'\t' '{ printf "  %8.2f MiB  %s\n", $1/1048576, $2 }'); }
echo
cat "$BUNDLE/BUILD.txt"
echo
echo "in payload.tar.xz (from $STAGE):"
list "$STAGE"
echo "$BUNDLE:"
list "$BUNDLE"
bytes=$(du -sb "$BUNDLE" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b/1048576 }')
if [ "$bytes" -gt $((MAX_MIB * 1048576)) ]; then
	echo "gpu-bundle: $BUNDLE is $mib MiB, over the $MAX_MIB MiB limit" >&2
	exit 1
fi
echo "gpu-bundle: $BUNDLE is $mib MiB (limit $MAX_MIB MiB)"
