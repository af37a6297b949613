#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine (run as root, or
# with sudo available). Idempotent: each step is skipped when already done.
#   scripts/setup.sh          CPU build: OpenBLAS runtime (fast GEMM) and Go modules
#   scripts/setup.sh --cuda   also the CUDA 11.8 toolkit (nvcc, cuda.h, libcuda stub)
#   scripts/setup.sh --python also PyTorch, scikit-learn and XGBoost for the reference scripts
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

want_cuda=0; want_python=0
for a in "$@"; do
	case "$a" in
	--cuda) want_cuda=1 ;;
	--python) want_python=1 ;;
	*) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
	esac
done

apt_updated=0
apt_install() {
	if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# OpenBLAS is loaded at run time (dlopen); without it the engine falls back to
# pure-Go gonum GEMM, which is about 3-10x slower at the LSTM's shapes.
if ! ldconfig -p | grep -q 'libopenblas\.so\.0'; then
	echo "setup: installing OpenBLAS"
	apt_install libopenblas0-pthread
fi

if [ $want_cuda = 1 ] && ! command -v nvcc >/dev/null; then
	echo "setup: installing the CUDA 11.8 toolkit from Debian non-free"
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f $src ] && ! grep -q 'non-free' $src; then
		$SUDO sed -i 's/^Components: main$/Components: main contrib non-free/' $src
		apt_updated=0
	fi
	apt_install nvidia-cuda-toolkit
fi

if [ $want_python = 1 ]; then
	if ! /usr/bin/python3 -c 'import torch, sklearn, xgboost' 2>/dev/null; then
		echo "setup: installing python3-torch, python3-sklearn and python3-xgboost"
		apt_install python3-torch python3-sklearn python3-pandas python3-xgboost
	fi
fi

go mod download
