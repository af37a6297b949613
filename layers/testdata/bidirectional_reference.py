"""Reference values for layers' TestBidirectionalMatchesPyTorch: PyTorch's bidirectional LSTM and GRU in float64.

For each cell (nn.LSTM, nn.GRU) and each way of running it (padded: the whole (T, B, I) batch;
packed: a pack_padded_sequence of sequences of lengths 3, 6, 1, 4, 3, unsorted, so
enforce_sorted=False): two stacked bidirectional layers (input 4, hidden 5) with dropout 0.25
between them, over a time-major batch of T=6 steps and B=5 sequences, PyTorch's own
initialisation (torch.manual_seed). The cost is sum(out * R) + sum(last * R_last) for fixed random
R (T, B, 2H) and R_last (B, 2H), where out is the top layer's (T, B, 2H) output (forward direction's
hidden states, then the reverse direction's) and last = torch.cat((h_n[-2], h_n[-1]), 1), the
forward direction's final state beside the reverse direction's: both carry gradient.

Layout. Ember keeps sequences LEFT-padded (a sequence of length L holds its tokens in the last L
of the T steps). This script writes every sequence-shaped array (x, R, the outputs, the gradient
of x) in that layout, (T, B, .) time-major; for the packed run it moves the tokens to the front
for PyTorch's pack_padded_sequence and back. The padded run gives PyTorch the left-padded batch
as it is (x's padding steps are zeros, as the padding embedding gives), so its reverse direction
reads each sequence's tokens first and then its padding, as PyTorch does on a padded batch.

Dropout. As in packed_reference.py: the two layers are separate one-layer bidirectional modules
and the dropout between them is applied here with the mask Ember's graph.Dropout draws
(internal/dropmask, op seed = layer seed + 0x5851F42D4C957F2D mod 2^64, run 1, the element's
index in the left-padded (T, B, 2H) tensor), scaled by 1/(1-p). Parameters are written under the
state_dict names of a two-layer bidirectional module (weight_ih_l0, ..., bias_hh_l1_reverse).

    /usr/bin/python3 layers/testdata/bidirectional_reference.py   # Debian's python3-torch
"""

import json
import os

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

T, B, I, H, L = 6, 5, 4, 5, 2
LENGTHS = [3, 6, 1, 4, 3]
P = 0.25  # exact in float32, so the mask's float32 comparison is the same here
LAYER_SEED = 12345
MASK64 = (1 << 64) - 1
OP_SEED = (LAYER_SEED + 0x5851F42D4C957F2D) & MASK64


def mix(z):
    """internal/dropmask.Mix: the splitmix64 finaliser."""
    z ^= z >> 30
    z = (z * 0xBF58476D1CE4E5B9) & MASK64
    z ^= z >> 27
    z = (z * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    return z


def keep(seed, run, i, p):
    """internal/dropmask.Keep."""
    h = mix((seed + 0x9E3779B97F4A7C15 * ((run << 32) + i)) & MASK64)
    return ((h & 0xFFFFFFFF) >> 8) * 2.0 ** -24 >= p


def to_front(a):
    """Left-padded (T, B, ...) -> right-padded: each sequence's tokens moved to its first steps."""
    out = torch.zeros_like(a)
    for r, n in enumerate(LENGTHS):
        out[:n, r] = a[T - n:, r]
    return out


def to_back(a):
    """Right-padded (T, B, ...) -> left-padded, zeros at the padding."""
    out = torch.zeros_like(a)
    for r, n in enumerate(LENGTHS):
        out[T - n:, r] = a[:n, r]
    return out


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def reference(cell, packed, seed):
    torch.manual_seed(seed)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    layers = [module(I, H, bidirectional=True).double(), module(2 * H, H, bidirectional=True).double()]
    x = torch.randn(T, B, I, dtype=torch.float64)
    for r, n in enumerate(LENGTHS):  # padding steps are zeros in Ember's data (the padding embedding)
        x[:T - n, r] = 0
    x.requires_grad_(True)
    r_seq = torch.randn(T, B, 2 * H, dtype=torch.float64)
    r_last = torch.randn(B, 2 * H, dtype=torch.float64)
    lengths = torch.tensor(LENGTHS)

    keep_mask = torch.tensor([1.0 / (1 - P) if keep(OP_SEED, 1, i, P) else 0.0 for i in range(T * B * 2 * H)],
                             dtype=torch.float64).reshape(T, B, 2 * H)

    if packed:
        seq = to_front(x)
        for k, layer in enumerate(layers):
            if k > 0:
                seq = seq * to_front(keep_mask)
            out, state = layer(pack_padded_sequence(seq, lengths, enforce_sorted=False))
            seq, _ = pad_packed_sequence(out, total_length=T)
        out_left = to_back(seq)
    else:
        seq = x
        for k, layer in enumerate(layers):
            if k > 0:
                seq = seq * keep_mask
            seq, state = layer(seq)
        out_left = seq
    h_n = state[0] if cell == "lstm" else state
    last = torch.cat((h_n[-2], h_n[-1]), 1)
    cost = (out_left * r_seq).sum() + (last * r_last).sum()
    cost.backward()

    params, grads = {}, {}
    for k, layer in enumerate(layers):
        for name, p in layer.named_parameters():
            key = name.replace("_l0", "_l%d" % k)  # weight_ih_l0_reverse of layer k -> weight_ih_l<k>_reverse
            params[key], grads[key] = flat(p), flat(p.grad)
    return {
        "shape": {"T": T, "B": B, "I": I, "H": H, "layers": L},
        "lengths": LENGTHS if packed else None,
        "dropout": {"p": P, "layer_seed": LAYER_SEED, "op_seed": str(OP_SEED), "run": 1},
        "x": flat(x),
        "r": flat(r_seq),
        "r_last": flat(r_last),
        "params": params,
        "out": flat(out_left),
        "h_last": flat(last),
        "cost": float(cost),
        "grad_x": flat(x.grad),
        "grads": grads,
    }


ref = {"torch": torch.__version__}
for cell, seed in (("lstm", 21), ("gru", 23)):
    ref[cell] = {"padded": reference(cell, False, seed), "packed": reference(cell, True, seed + 1)}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bidirectional_reference.json")
with open(path, "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
print("wrote", path)
