#!/bin/sh
# Regenerates the fixtures of cmd/spamrnn's interop tests (run from the
# repository root, with Debian's python3-torch):
#   torch_export/             a model trained by PyTorch (spamrnn_torch.py export)
#   torch_probs.json          PyTorch's probabilities for messages.txt on it
#   torch_packed_export/      the same trained packed (export --packed)
#   torch_packed_probs.json   PyTorch's probabilities on it, run packed
#   ember.model               a model trained by Ember (make_ember_model.go)
#   ember_probs.json          PyTorch's probabilities for messages.txt on its export
#   ember_packed.model        the same trained packed (Config.Packed)
#   ember_packed_probs.json   PyTorch's probabilities on its export, run packed
#   ember_gru.model           a GRU model trained by Ember (gru.* in its export)
#   ember_gru_probs.json      PyTorch's probabilities on its export (nn.GRU)
#   torch_bidir_export/, torch_bidir_packed_export/, ember_bidir.model,
#   ember_bidir_packed.model and their *_probs.json: the same, bidirectional
#                             (spamrnn_torch.py export --bidirectional; Config.Bidirectional)
set -eu
D=cmd/spamrnn/testdata/interop
SMS=${EMBER_DATA:-../shared/data}/sms_spam/SMSSpamCollection
PY=benchmarks/pytorch/spamrnn_torch.py
SIZES="--epochs 3 --lr 0.01 --embed 8 --hidden 16 --seq-len 20 --max-vocab 500 --seed 5"
rm -rf $D/torch_export $D/torch_packed_export $D/torch_bidir_export $D/torch_bidir_packed_export
/usr/bin/python3 $PY export $D/torch_export --data "$SMS" $SIZES
/usr/bin/python3 $PY predict $D/torch_export --json < $D/messages.txt > $D/torch_probs.json
/usr/bin/python3 $PY export $D/torch_packed_export --data "$SMS" $SIZES --packed
/usr/bin/python3 $PY predict $D/torch_packed_export --json < $D/messages.txt > $D/torch_packed_probs.json
/usr/bin/python3 $PY export $D/torch_bidir_export --data "$SMS" $SIZES --bidirectional
/usr/bin/python3 $PY predict $D/torch_bidir_export --json < $D/messages.txt > $D/torch_bidir_probs.json
/usr/bin/python3 $PY export $D/torch_bidir_packed_export --data "$SMS" $SIZES --bidirectional --packed
/usr/bin/python3 $PY predict $D/torch_bidir_packed_export --json < $D/messages.txt > $D/torch_bidir_packed_probs.json
tmp=$(mktemp -d)
for m in ember ember_packed ember_gru ember_bidir ember_bidir_packed; do
	v=${m#ember}
	go run $D/make_ember_model.go "$SMS" $D/$m.model ${v#_}
	go run ./cmd/spamrnn export --model $D/$m.model --out $tmp/$m
	/usr/bin/python3 $PY predict $tmp/$m --json < $D/messages.txt > $D/${m}_probs.json
done
rm -rf "$tmp"
