"""Reference values for layers' TestPackedMatchesPyTorch: PyTorch's packed LSTM and GRU in float64.

For each cell (nn.LSTM, nn.GRU): two stacked layers (input 4, hidden 5) with dropout 0.25
between them, over a time-major batch of T=6 steps and B=5 sequences of lengths 3, 6, 1, 4, 3
(unsorted, so pack_padded_sequence runs with enforce_sorted=False), each layer run on a
pack_padded_sequence and read back with pad_packed_sequence, PyTorch's own initialisation
(torch.manual_seed). The cost is sum(out * R) + sum(h_n[-1] * R_last) for fixed random R and
R_last, so both the top layer's sequence and each sequence's final state carry gradient.

Layout. Ember keeps sequences LEFT-padded (a sequence of length L holds its tokens in the last L
of the T steps; its final state is at step T-1), PyTorch's pack_padded_sequence takes them
right-padded. This script writes every sequence-shaped array (x, R, the outputs, the gradient
of x) in Ember's left-padded layout, (T, B, ·) time-major, and moves the tokens to the front
for PyTorch. Positions that are padding hold zeros in the outputs and in the gradient of x.

Dropout. PyTorch's nn.LSTM/nn.GRU draw their own dropout masks, which Ember cannot reproduce, so
the two layers are separate one-layer modules and the dropout between them is applied here with
the mask Ember's graph.Dropout draws (internal/dropmask: a splitmix64 hash of the op's seed, run
1, and the element's index in the left-padded (T, B, H) tensor), scaled by 1/(1-p). The op's seed
is what layers.Dropout derives for its first use in a graph from the layer's seed:
seed + 0x5851F42D4C957F2D (mod 2^64). Parameters are written under nn.LSTM/nn.GRU's state_dict
names for a two-layer module (weight_ih_l0, ..., bias_hh_l1).

    /usr/bin/python3 layers/testdata/packed_reference.py   # Debian's python3-torch
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


def reference(cell, seed):
    torch.manual_seed(seed)
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    layers = [module(I, H).double(), module(H, H).double()]
    x = torch.randn(T, B, I, dtype=torch.float64)
    for r, n in enumerate(LENGTHS):  # padding steps are zeros in Ember's data (the padding embedding)
        x[:T - n, r] = 0
    x.requires_grad_(True)
    r_seq = torch.randn(T, B, H, dtype=torch.float64)
    r_last = torch.randn(B, H, dtype=torch.float64)
    lengths = torch.tensor(LENGTHS)

    keep_mask = torch.tensor([1.0 / (1 - P) if keep(OP_SEED, 1, i, P) else 0.0 for i in range(T * B * H)],
                             dtype=torch.float64).reshape(T, B, H)

    seq = to_front(x)
    for k, layer in enumerate(layers):
        if k > 0:
            seq = seq * to_front(keep_mask)
        out, state = layer(pack_padded_sequence(seq, lengths, enforce_sorted=False))
        seq, _ = pad_packed_sequence(out, total_length=T)
    h_n = state[0] if cell == "lstm" else state
    out_left = to_back(seq)
    cost = (out_left * r_seq).sum() + (h_n[-1] * r_last).sum()
    cost.backward()

    params, grads = {}, {}
    for k, layer in enumerate(layers):
        for name, p in layer.named_parameters():
            key = name[:-1] + str(k)  # weight_ih_l0 of layer k -> weight_ih_l<k>
            params[key], grads[key] = flat(p), flat(p.grad)
    return {
        "shape": {"T": T, "B": B, "I": I, "H": H, "layers": L},
        "lengths": LENGTHS,
        "dropout": {"p": P, "layer_seed": LAYER_SEED, "op_seed": str(OP_SEED), "run": 1},
        "x": flat(x),
        "r": flat(r_seq),
        "r_last": flat(r_last),
        "params": params,
        "out": flat(out_left),
        "h_last": flat(h_n[-1]),
        "cost": float(cost),
        "grad_x": flat(x.grad),
        "grads": grads,
    }


ref = {"torch": torch.__version__, "lstm": reference("lstm", 11), "gru": reference("gru", 13)}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packed_reference.json")
with open(path, "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
print("wrote", path)
