#!/usr/bin/env bash
# run.sh: runs the bundle that scripts/gpu-bundle.sh builds (this file is
# copied into it as devrun/gpu/run.sh) on a GPU machine with no Go. Run from
# the repository root of the device tool's copy of the tree:
#
#   bash devrun/gpu/run.sh [info|sanitize|tests|bench|train|quick|packed|all]...  (default: all)
#
#   info   machine, driver, CUDA, linked libraries, Python/torch, bundle (always
#          printed first, and the first lines of summary.txt)
#   sanitize  the kernels' device tests (the cuda test binary, -test.short)
#          under CUDA 11.8's compute-sanitizer, when the bundle carries it:
#          memcheck (out-of-bounds and misaligned accesses), racecheck
#          (shared-memory races) and synccheck (__syncthreads misuse), each
#          cut to its share of SANITIZE_BUDGET. A sanitizer that cannot run
#          here (it may not support the machine's newer driver) is reported
#          as skipped with its own words, and the run goes on.
#   tests  every test binary with -test.v -test.count=1, each in its package
#          directory (as go test runs it), one after another; a failing or
#          crashing binary does not stop the others
#   bench  spambench --profile: this engine on CPU and CUDA, PyTorch on CPU
#          and CUDA, batch sizes 10,64,256, then this engine's steps op by op
#          (ms and kernels per step per op) (results.json, seq_per_s.png)
#   train  spamrnn train --device cuda on the SMS Spam Collection
#          (train.log with the --json line last, train.png)
#   quick  spambench --quick with PyTorch: batch 10, a few steps per engine and
#          device; a smoke test of the bench step in well under a minute
#   packed spambench --packed at batch 10 and 64, one repeat: both engines on
#          every device, padded and packed (pack_padded_sequence for PyTorch),
#          each packed run one epoch of length-bucketed batches (issue 14);
#          not part of all (results in packed.json)
#   all    sanitize, tests, bench, train
#
# Output, in $OUT (default: out/ in this folder), at most 8 files as the
# device tool returns no more: summary.txt (info, then one line per step),
# tests.log (the sanitizer's runs too), bench.log (packed's too),
# results.json, seq_per_s.png, train.log, train.png, packed.json.
# Steps end with a summary line each; the exit status is 1 when any failed.
#
# Environment:
#   TESTS          test binaries to run, e.g. "cuda graph" (default: all)
#   TEST_RUN       -test.run pattern;  TEST_ARGS  more test flags (e.g. -test.short)
#   TEST_TIMEOUT   per binary, seconds (default 400)
#   SANITIZE_BUDGET  seconds for the three sanitizer tools together (default 90)
#   SANITIZE_RUN   -test.run pattern of the sanitized cuda tests (default: the
#                  kernel parity tests)
#   BENCH_ARGS     more spambench flags (e.g. "--batch-sizes 10,64 --repeats 5")
#   BENCH_TIMEOUT  seconds (default 420)
#   PYTHON         interpreter with torch (default: first of python3,
#                  /usr/bin/python3, /opt/conda/bin/python that imports torch)
#   TRAIN_EPOCHS   (default 10);  TRAIN_DEVICE (cuda);  TRAIN_ARGS  other flags (spamrnn refuses one given twice);
#   TRAIN_TIMEOUT  seconds (default 240; then Ctrl-C, which keeps the best epoch)
#   RUN_BUDGET     seconds for the whole call (default 570: the device tool
#                  stops a call at 600); a step that would start later is
#                  skipped and each step's timeout is cut to what is left
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
START=$(date +%s)
DEADLINE=$((START + ${RUN_BUDGET:-570}))
OUT=${OUT:-$HERE/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SUMMARY=$OUT/summary.txt
FAILED=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The module root of the tree this runs in (the device tool's copy), so the
# test binaries run in their package directories; absent, the bundle folder.
ROOT=""
for d in "$HERE/../.." "$PWD"; do
	if [ -f "$d/go.mod" ]; then ROOT=$(cd "$d" && pwd); break; fi
done

# The binaries travel compressed: unpack them once per machine, into a
# folder named by the archive's hash (EMBER_GPU_BIN chooses another).
BIN=$HERE
if [ -f "$HERE/payload.tar.xz" ]; then
	BIN=${EMBER_GPU_BIN:-${TMPDIR:-/tmp}/ember-gpu-$(sha256sum "$HERE/payload.tar.xz" | cut -c1-16)}
	if [ ! -f "$BIN/.unpacked" ]; then
		rm -rf "$BIN.tmp" && mkdir -p "$BIN.tmp" || exit 3
		if command -v xz >/dev/null 2>&1; then
			xz -dc "$HERE/payload.tar.xz" | tar -C "$BIN.tmp" -xf -
		else
			python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' \
				"$HERE/payload.tar.xz" "$BIN.tmp"
		fi || { echo "run.sh: cannot unpack $HERE/payload.tar.xz into $BIN.tmp" >&2; exit 3; }
		touch "$BIN.tmp/.unpacked" && rm -rf "$BIN" && mv "$BIN.tmp" "$BIN" || exit 3
	fi
fi

# The shared data is the bundle's copy. CI=true makes a test that cannot find
# it fail instead of skipping (internal/shareddata), so a path mistake shows.
export EMBER_DATA=$HERE/data
export CI=true

say() { echo "$*" | tee -a "$SUMMARY"; }
step() { # step NAME STATUS DETAIL
	[ "$2" = ok ] || [ "$2" = skipped ] || FAILED=1
	printf 'STEP %-22s %-8s %s\n' "$1" "$2" "$3" | tee -a "$SUMMARY" "$TMP/steps"
}
left() { echo $((DEADLINE - $(date +%s))); }
# cap SECONDS: SECONDS cut to the time left in this call (at least 1).
cap() {
	local l
	l=$(left)
	if [ "$1" -lt "$l" ]; then echo "$1"; elif [ "$l" -gt 1 ]; then echo "$l"; else echo 1; fi
}

find_python() {
	if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
	local p first=
	for p in python3 /usr/bin/python3 /opt/conda/bin/python /usr/local/bin/python3 python; do
		command -v "$p" >/dev/null 2>&1 || continue
		[ -n "$first" ] || first=$(command -v "$p")
		if "$p" -c 'import torch' >/dev/null 2>&1; then
			command -v "$p"
			return
		fi
	done
	# None imports torch: the first interpreter there is, for spambench to
	# report that torch is missing; none at all leaves --python out, as
	# spambench refuses a --python given that does not exist.
	[ -z "$first" ] || echo "$first"
}

# ---------------------------------------------------------------- info
info() {
	say "=== ember GPU bundle run: $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), sections: $SECTIONS"
	say "bundle: $HERE (binaries in $BIN)"
	sed 's/^/  /' "$HERE/BUILD.txt" | tee -a "$SUMMARY"
	say "tree: ${ROOT:-none (tests run in the bundle folder)}"
	if [ -n "$ROOT" ] && [ -f "$HERE/SOURCES.sha256" ]; then
		local changed
		changed=$(cd "$ROOT" && sha256sum -c --quiet "$HERE/SOURCES.sha256" 2>/dev/null | grep -v '^sha256sum:' | cut -d: -f1)
		if [ -n "$changed" ]; then
			say "WARNING: the bundle is stale: $(echo "$changed" | wc -l) source file(s) differ from the tree it runs in (rebuild with make gpu-bundle):"
			echo "$changed" | head -20 | sed 's/^/  /' | tee -a "$SUMMARY"
		else
			say "sources: the tree matches what the bundle was built from"
		fi
	fi
	say "kernel: $(uname -srm); $(ldd --version 2>/dev/null | head -1)"
	local need have
	need=$(grep -o 'GLIBC_[0-9.]*' "$HERE/BUILD.txt" | head -1 | cut -d_ -f2)
	have=$(ldd --version 2>/dev/null | head -1 | grep -o '[0-9][0-9.]*$')
	if [ -n "$need" ] && [ -n "$have" ] &&
		[ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
		say "WARNING: glibc $have here is older than the $need the binaries were linked against: they will not start"
	fi
	say "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')"
	if command -v nvidia-smi >/dev/null 2>&1; then
		nvidia-smi 2>&1 | tee -a "$SUMMARY"
		say "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1 | head -4 | paste -sd ';')"
		say "driver CUDA version: $(nvidia-smi 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | head -1 | cut -d' ' -f3)"
	else
		say "nvidia-smi: not found (no NVIDIA driver here: device tests will skip)"
	fi
	[ -r /proc/driver/nvidia/version ] && head -1 /proc/driver/nvidia/version | tee -a "$SUMMARY"
	local bin=$BIN/tests/cuda.test
	[ -x "$bin" ] || bin=$(ls "$BIN"/tests/*.test | head -1)
	say "ldd $(basename "$bin"):"
	ldd "$bin" 2>&1 | sed 's/^/  /' | tee -a "$SUMMARY"
	local cudalibs
	cudalibs=$(ldd "$bin" 2>&1 | grep -iE 'cuda|cublas|cudnn|nvrtc|nvidia' | awk '{print $1}' | paste -sd ' ')
	if ldd "$bin" 2>&1 | grep -q 'not found'; then
		say "linked CUDA libraries: $cudalibs -- NOT FOUND: $(ldd "$bin" 2>&1 | grep 'not found' | awk '{print $1}' | paste -sd ' ')"
	else
		say "linked CUDA libraries: ${cudalibs:-none}"
	fi
	PY=$(find_python)
	[ -n "$PY" ] || say "python: none found"
	[ -z "$PY" ] || say "python: $PY: $("$PY" -c 'import sys, torch; print("Python", sys.version.split()[0], "torch", torch.__version__, "built for CUDA", torch.version.cuda, "cuda available:", torch.cuda.is_available())' 2>&1 | tail -1)"
	say "EMBER_DATA=$EMBER_DATA CI=$CI OUT=$OUT"
}

# ---------------------------------------------------------------- tests
# Prints, from a test binary's -v output, what a reader needs: FAIL and SKIP
# lines with the log lines before them (a skip's reason once while it
# repeats), panics, and the final verdict (the whole output is in tests.log).
filter_test_output() {
	awk '
	/^=== (RUN|CONT|PAUSE|NAME)/ { n = 0; next }
	/^[[:space:]]*--- SKIP/ {
		# the reason (the last log line), unless it is the one printed last
		r = n > 0 ? buf[n - 1] : ""; k = r; sub(/^[[:space:]]*[^ ]+:[0-9]+: /, "", k)
		if (k != lastskip) print r
		lastskip = k; print; n = 0; fflush(); next
	}
	/^[[:space:]]*--- FAIL/ { s = n > 30 ? n - 30 : 0; for (i = s; i < n; i++) print buf[i]; print; n = 0; fflush(); next }
	/^[[:space:]]*--- PASS/ { n = 0; next }
	/^(panic:|fatal error:|SIGSEGV|SIGABRT|signal:)/ { p = 60 }
	p > 0 { print; p--; fflush(); next }
	/^(FAIL|PASS$|ok |exit status|\*\*\* Test killed)/ { print; fflush(); next }
	{ buf[n++] = $0 }'
}

run_tests() {
	local list=$BIN/tests/packages.txt name pkg want wd t0 rc secs to pass fail skip status
	while read -r name pkg; do
		if [ -n "${TESTS:-}" ]; then
			want=0
			for w in $TESTS; do [ "${w%.test}.test" = "$name" ] && want=1; done
			[ $want = 1 ] || continue
		fi
		if [ "$(left)" -lt 15 ]; then
			step "tests $name" skipped "out of time in this call (run.sh tests with TESTS=\"${name%.test}\")"
			continue
		fi
		wd=$HERE
		[ -n "$ROOT" ] && [ -d "$ROOT/$pkg" ] && wd=$ROOT/$pkg
		to=$(cap "${TEST_TIMEOUT:-400}")
		local args=(-test.v -test.count=1 -test.timeout="$((to > 20 ? to - 10 : to))s")
		[ -n "${TEST_RUN:-}" ] && args+=(-test.run "$TEST_RUN")
		# shellcheck disable=SC2206 # TEST_ARGS is a word list
		args+=(${TEST_ARGS:-})
		{
			echo
			echo "=================== $name ($pkg) in $wd"
			echo "=================== $BIN/tests/$name ${args[*]}"
		} | tee -a "$OUT/tests.log"
		t0=$(date +%s)
		# Eager module loading: every kernel module is loaded when a
		# context is made, not at its first launch, so device memory
		# does not grow mid-test for that reason (train's memory tests).
		(cd "$wd" && CUDA_MODULE_LOADING=EAGER exec timeout -k 10 "$to" "$BIN/tests/$name" "${args[@]}") 2>&1 |
			tee -a "$OUT/tests.log" "$TMP/$name.log" | filter_test_output
		rc=${PIPESTATUS[0]}
		secs=$(($(date +%s) - t0))
		pass=$(grep -c '^--- PASS' "$TMP/$name.log")
		fail=$(grep -c '^--- FAIL' "$TMP/$name.log")
		skip=$(grep -c '^--- SKIP' "$TMP/$name.log")
		case $rc in
		0) status=ok ;;
		124 | 137) status=TIMEOUT ;;
		*) status=FAIL ;;
		esac
		grep -q '^panic: test timed out' "$TMP/$name.log" && status=TIMEOUT
		local how="exit $rc"
		[ "$rc" -gt 128 ] && how+=" (signal $((rc - 128)))"
		echo "=================== $name: $how, $pass passed, $fail failed, $skip skipped, ${secs}s" | tee -a "$OUT/tests.log"
		step "tests $name" "$status" "$how; $pass passed, $fail failed, $skip skipped (top-level tests); ${secs}s"
	done <"$list"
}

# ---------------------------------------------------------------- sanitize
# Each tool runs the cuda package's kernel tests once. The sanitizer's own
# verdict is its "ERROR SUMMARY: N errors" line; without that line the tool
# did not run (an unsupported driver or GPU, a missing library), which is
# reported as skipped with the sanitizer's first error line.
run_sanitize() {
	local cs=$BIN/sanitizer/compute-sanitizer bin=$BIN/tests/cuda.test wd=$HERE tool to t0 rc secs summary errs why
	if [ ! -x "$cs" ]; then
		step sanitize skipped "the bundle carries no compute-sanitizer ($(grep '^sanitizer:' "$HERE/BUILD.txt" | cut -d: -f2- | sed 's/^ *//'))"
		return
	fi
	if [ ! -x "$bin" ]; then
		step sanitize skipped "no cuda.test in the bundle"
		return
	fi
	[ -n "$ROOT" ] && [ -d "$ROOT/cuda" ] && wd=$ROOT/cuda
	local run=${SANITIZE_RUN:-'Parity|Shapes|BiasAndColumnSums|Reductions|ClipGradNorm|BCE|Embedding|Dropout|Capture'}
	local budget=${SANITIZE_BUDGET:-90} start
	start=$(date +%s)
	for tool in memcheck racecheck synccheck; do
		local share=$((budget / 3))
		# what is left of the sanitizer's budget, and of the call
		local spent=$(($(date +%s) - start))
		[ "$tool" = synccheck ] && share=$((budget - spent))
		if [ "$share" -lt 10 ] || [ "$(left)" -lt 60 ]; then
			step "sanitize $tool" skipped "out of time (SANITIZE_BUDGET=$budget)"
			continue
		fi
		to=$(cap "$share")
		{
			echo
			echo "=================== compute-sanitizer --tool $tool cuda.test -test.run '$run' -test.short (timeout ${to}s)"
		} | tee -a "$OUT/tests.log"
		t0=$(date +%s)
		(cd "$wd" && CUDA_MODULE_LOADING=EAGER exec timeout -k 10 "$to" "$cs" --tool "$tool" --target-processes all \
			--print-limit 20 "$bin" -test.short -test.count=1 -test.run "$run" -test.timeout="${to}s") \
			>"$TMP/sanitize-$tool.log" 2>&1
		rc=$?
		secs=$(($(date +%s) - t0))
		cat "$TMP/sanitize-$tool.log" >>"$OUT/tests.log"
		summary=$(grep -o 'ERROR SUMMARY: [0-9]* error' "$TMP/sanitize-$tool.log" | tail -1)
		if [ -z "$summary" ]; then
			why=$(grep -m1 -iE '========= (Error|Internal error)|not supported|incompatible|insufficient' "$TMP/sanitize-$tool.log" |
				sed 's/^========= //' | cut -c1-200)
			if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
				step "sanitize $tool" TIMEOUT "no verdict within ${to}s"
			else
				step "sanitize $tool" skipped "the sanitizer did not run here (exit $rc): ${why:-no ERROR SUMMARY line}; see tests.log"
			fi
			continue
		fi
		errs=$(echo "$summary" | grep -o '[0-9]*')
		grep -E '^(--- FAIL|FAIL|ok|PASS)' "$TMP/sanitize-$tool.log" | tail -3 | sed 's/^/  /'
		if [ "$errs" = 0 ] && [ "$rc" = 0 ]; then
			step "sanitize $tool" ok "0 errors; ${secs}s"
		elif [ "$errs" = 0 ]; then
			step "sanitize $tool" FAIL "0 sanitizer errors but the tests exited $rc; ${secs}s"
		else
			grep -m10 -E '^========= (Invalid|Race|Barrier|Misaligned|Out of bounds|  +at )' "$TMP/sanitize-$tool.log" | sed 's/^/  /'
			step "sanitize $tool" FAIL "$errs sanitizer error(s); ${secs}s; first ones in tests.log"
		fi
	done
}

# ---------------------------------------------------------------- bench
run_spambench() { # run_spambench NAME TIMEOUT RESULTS FLAGS... (RESULTS: the JSON file it writes)
	local name=$1 to rc t0 secs status res=$3
	to=$(cap "$2")
	shift 3
	if [ "$(left)" -lt 30 ]; then
		step "$name" skipped "out of time in this call (run.sh bench)"
		return
	fi
	[ -n "${PY:-}" ] || PY=$(find_python)
	local dir=$OUT
	[ "$res" = "$OUT/results.json" ] || dir=$TMP/$name
	local args=(--torch-script "$HERE/pytorch/spam_lstm.py" --out "$dir" "$@")
	[ -z "$PY" ] || args=(--python "$PY" "${args[@]}")
	# shellcheck disable=SC2206 # BENCH_ARGS is a word list
	args+=(${BENCH_ARGS:-})
	echo "=================== spambench ${args[*]}" | tee -a "$OUT/bench.log"
	t0=$(date +%s)
	(cd "$HERE" && exec timeout -s INT -k 20 "$to" "$BIN/bin/spambench" "${args[@]}") 2>&1 | tee -a "$OUT/bench.log"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - t0))
	[ "$dir" = "$OUT" ] || cp "$dir/results.json" "$res" 2>/dev/null
	case $rc in
	0) status=ok ;;
	124 | 137) status=TIMEOUT ;;
	*) status=FAIL ;;
	esac
	local detail="exit $rc; ${secs}s"
	if [ -f "$res" ] && [ -n "$PY" ]; then
		detail+="; $("$PY" - "$res" <<'EOF' 2>/dev/null
import json, sys
r = json.load(open(sys.argv[1]))
def kernels(x):
    k = (x.get("profile") or {}).get("kernels_per_step")
    return " (%g kernels/step)" % k if k else ""
rows = ["%s/%s%s/b%s %s%s" % (x.get("engine"), x.get("device"), "/packed" if x.get("mode") == "packed" else "", x.get("batch"),
        ("%.0f seq/s" % x["seq_per_s"]) if x.get("ok") else "error", kernels(x))
        for x in r.get("results", [])]
un = ["%s/%s unavailable" % (x.get("engine"), x.get("device")) for x in r.get("unavailable", [])]
print("; ".join(rows + un))
EOF
)"
	fi
	step "$name" "$status" "$detail"
}

# --profile: a few more steps per run, timed op by op, with the kernels each
# op launches per step (the CUDA breakdown in bench.log and results.json).
run_bench() { run_spambench bench "${BENCH_TIMEOUT:-420}" "$OUT/results.json" --devices auto --profile; }
run_quick() { run_spambench quick "${BENCH_TIMEOUT:-120}" "$OUT/results.json" --quick --no-torch=false --devices auto; }
# One repeat: a packed run is a whole epoch of bucketed batches (390 at
# batch 10), and PyTorch on the CPU takes most of the time.
run_packed() {
	run_spambench packed "${BENCH_TIMEOUT:-420}" "$OUT/packed.json" --devices auto --packed --batch-sizes 10,64 --repeats 1
}

# ---------------------------------------------------------------- train
run_train() {
	local to rc t0 secs status
	if [ "$(left)" -lt 30 ]; then
		step train skipped "out of time in this call (run.sh train)"
		return
	fi
	to=$(cap "${TRAIN_TIMEOUT:-240}")
	local args=(train --data "$EMBER_DATA/sms_spam/SMSSpamCollection" --device "${TRAIN_DEVICE:-cuda}"
		--epochs "${TRAIN_EPOCHS:-10}" --out "$TMP/spam.model" --plot "$OUT/train.png" --json)
	# shellcheck disable=SC2206 # TRAIN_ARGS is a word list
	args+=(${TRAIN_ARGS:-})
	echo "=================== spamrnn ${args[*]}" | tee -a "$OUT/train.log"
	t0=$(date +%s)
	(cd "$TMP" && exec timeout -s INT -k 20 "$to" "$BIN/bin/spamrnn" "${args[@]}") 2>&1 | tee -a "$OUT/train.log"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - t0))
	case $rc in
	0) status=ok ;;
	124 | 137) status=TIMEOUT ;;
	*) status=FAIL ;;
	esac
	local last
	last=$(grep '^{' "$OUT/train.log" | tail -1)
	if [ -n "$last" ]; then
		last=$(echo "$last" | grep -oE '"(device|epochs|best_epoch|interrupted|test_accuracy|test_loss|seq_per_s|train_seconds)":[^,}]*' | paste -sd ' ')
	else
		last=$(tail -1 "$OUT/train.log" | cut -c1-300)
	fi
	step train "$status" "exit $rc; ${secs}s; $last"
}

# ---------------------------------------------------------------- main
SECTIONS=${*:-all}
for s in $SECTIONS; do
	case $s in
	info | sanitize | tests | bench | train | quick | packed | all) ;;
	*)
		echo "run.sh: unknown section $s (want info, sanitize, tests, bench, train, quick, packed or all)" >&2
		exit 2
		;;
	esac
done
# A fresh summary, and fresh logs for the sections asked for (an $OUT used
# again keeps the others).
: >"$TMP/steps"
: >"$SUMMARY"
for s in $SECTIONS; do
	case $s in
	tests | sanitize) : >"$OUT/tests.log" ;;
	bench | quick | packed) : >"$OUT/bench.log" ;;
	train) : >"$OUT/train.log" ;;
	all) : >"$OUT/tests.log"; : >"$OUT/bench.log"; : >"$OUT/train.log" ;;
	esac
done
info
for s in $SECTIONS; do
	case $s in
	sanitize) run_sanitize ;;
	tests) run_tests ;;
	bench) run_bench ;;
	train) run_train ;;
	quick) run_quick ;;
	packed) run_packed ;;
	all) run_sanitize; run_tests; run_bench; run_train ;;
	esac
done

{
	echo
	echo "=== summary ($(($(date +%s) - START))s; logs in $OUT)"
	cat "$TMP/steps"
} | tee -a "$SUMMARY"
if [ $FAILED = 0 ]; then
	echo "=== all steps ok" | tee -a "$SUMMARY"
else
	echo "=== SOME STEPS FAILED" | tee -a "$SUMMARY"
fi
exit $FAILED
