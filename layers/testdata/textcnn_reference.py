"""Reference values for layers' TestTextCNNMatchesPyTorch, in float64.

Kim's text CNN as PyTorch users write it: for each filter width an nn.Conv1d
over the embedded sequence (batch, channels, time), ReLU, max over time, and
torch.cat of the pooled features. The input is time-major (T, B, In) like
Ember's and permuted for PyTorch. The cost is sum(features * R). Weights are
written in PyTorch's layout (Out, In, Width); the test transposes them to
Ember's (Out, Width, In).

    /usr/bin/python3 layers/testdata/textcnn_reference.py   # Debian's python3-torch
"""

import json
import os

import torch

T, B, IN, CH, WIDTHS = 7, 3, 5, 4, [2, 3, 5]

torch.manual_seed(11)
convs = torch.nn.ModuleList([torch.nn.Conv1d(IN, CH, w) for w in WIDTHS]).double()
x = torch.randn(T, B, IN, dtype=torch.float64, requires_grad=True)
r = torch.randn(B, CH * len(WIDTHS), dtype=torch.float64)

xb = x.permute(1, 2, 0)  # (B, In, T)
feats = torch.cat([torch.relu(c(xb)).max(dim=2).values for c in convs], dim=1)
cost = (feats * r).sum()
cost.backward()


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


ref = {
    "torch": torch.__version__,
    "shape": {"T": T, "B": B, "In": IN, "Channels": CH, "Widths": WIDTHS},
    "x": flat(x),
    "r": flat(r),
    "params": {name: flat(p) for name, p in convs.named_parameters()},
    "features": flat(feats),
    "cost": float(cost),
    "grad_x": flat(x.grad),
    "grads": {name: flat(p.grad) for name, p in convs.named_parameters()},
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "textcnn_reference.json")
with open(path, "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
print("wrote", path)
