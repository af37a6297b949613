#!/bin/sh
# Regenerates the fixtures of cmd/spamrnn's interop tests (run from the
# repository root, with Debian's python3-torch):
#   torch_export/      a model trained by PyTorch (spamrnn_torch.py export)
#   torch_probs.json   PyTorch's probabilities for messages.txt on it
#   ember.model        a model trained by Ember (make_ember_model.go)
#   ember_probs.json   PyTorch's probabilities for messages.txt on its export
set -eu
D=cmd/spamrnn/testdata/interop
SMS=${EMBER_DATA:-../shared/data}/sms_spam/SMSSpamCollection
PY=benchmarks/pytorch/spamrnn_torch.py
rm -rf $D/torch_export
/usr/bin/python3 $PY export $D/torch_export --data "$SMS" --epochs 1 --embed 8 --hidden 16 --seq-len 20 --max-vocab 500 --seed 5
/usr/bin/python3 $PY predict $D/torch_export --json < $D/messages.txt > $D/torch_probs.json
go run $D/make_ember_model.go "$SMS" $D/ember.model
tmp=$(mktemp -d)
go run ./cmd/spamrnn export --model $D/ember.model --out $tmp
/usr/bin/python3 $PY predict $tmp --json < $D/messages.txt > $D/ember_probs.json
rm -rf "$tmp"
