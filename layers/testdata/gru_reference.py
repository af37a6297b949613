"""Reference values for layers' TestGRUMatchesPyTorch: PyTorch's nn.GRU in float64.

A two-layer nn.GRU (input 4, hidden 6, no dropout) over a time-major batch
(T=5, B=3) with PyTorch's own initialisation (torch.manual_seed(7)). The cost
is sum(out * R) + sum(h_n[-1] * R_last) for fixed random R and R_last, so both
the whole top-layer sequence and its last state carry gradient. The script
writes the input, every parameter under its state_dict name, R, R_last, the
outputs and the gradients of x and of every parameter.

    /usr/bin/python3 layers/testdata/gru_reference.py   # Debian's python3-torch
"""

import json
import os

import torch

T, B, I, H, L = 5, 3, 4, 6, 2

torch.manual_seed(7)
gru = torch.nn.GRU(I, H, num_layers=L).double()
x = torch.randn(T, B, I, dtype=torch.float64, requires_grad=True)
r = torch.randn(T, B, H, dtype=torch.float64)
r_last = torch.randn(B, H, dtype=torch.float64)

out, h_n = gru(x)
cost = (out * r).sum() + (h_n[-1] * r_last).sum()
cost.backward()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


ref = {
    "torch": torch.__version__,
    "shape": {"T": T, "B": B, "I": I, "H": H, "layers": L},
    "x": flat(x),
    "r": flat(r),
    "r_last": flat(r_last),
    "params": {name: flat(p) for name, p in gru.named_parameters()},
    "out": flat(out),
    "h_last": flat(h_n[-1]),
    "cost": float(cost),
    "grad_x": flat(x.grad),
    "grads": {name: flat(p.grad) for name, p in gru.named_parameters()},
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gru_reference.json")
with open(path, "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
print("wrote", path)
