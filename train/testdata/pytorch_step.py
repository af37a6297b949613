#!/usr/bin/python3
"""Reference values for train's TestOneStepMatchesPyTorch (pytorch_step_test.go).

One training step of the spam model's shape, tiny and in float64:

    nn.Embedding(7, 3, padding_idx=0) -> nn.LSTM(3, 4, num_layers=2, batch_first=True)
    -> last step of the top layer -> nn.Linear(4, 1) -> sigmoid -> nn.BCELoss

on a batch of 2 left-padded sequences of 5 ids, then
clip_grad_norm_(parameters, 0.1) and torch.optim.Adam(lr=0.01).step().

Writes, beside this script, one JSON file per case: the initial parameters
under their state_dict names, the batch, the loss, every gradient, the
global norm (what clip_grad_norm_ returns), the gradients after clipping,
and the parameters after the Adam step:

    pytorch_step.json         the model above (nn.LSTM)
    pytorch_step_gru.json     nn.GRU in place of nn.LSTM (gru.* parameters)
    pytorch_step_packed.json  the LSTM run on pack_padded_sequence: each row's
                              tokens (after its left padding) moved to the
                              front, its length given, and h_n[-1], each row's
                              own final state, in place of the last step

Run with Debian's python3-torch:

    /usr/bin/python3 train/testdata/pytorch_step.py
"""

import json
import os

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

torch.set_default_dtype(torch.float64)

V, E, H, LAYERS, B, T = 7, 3, 4, 2, 2, 5
CLIP, LR = 0.1, 0.01


class SpamRNN(nn.Module):
    def __init__(self, cell="lstm", packed=False):
        super().__init__()
        self.cell, self.packed = cell, packed
        self.emb = nn.Embedding(V, E, padding_idx=0)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        setattr(self, cell, rnn(E, H, num_layers=LAYERS, batch_first=True))
        self.fc = nn.Linear(H, 1)

    def forward(self, ids):
        rnn = getattr(self, self.cell)
        if not self.packed:
            out, _ = rnn(self.emb(ids))
            return torch.sigmoid(self.fc(out[:, -1, :]))
        # Left-padded rows -> tokens at the front, as pack_padded_sequence wants.
        lengths = [T - next((i for i, v in enumerate(row) if v != 0), T) for row in ids.tolist()]
        front = torch.zeros_like(ids)
        for r, n in enumerate(lengths):
            front[r, :n] = ids[r, T - n:]
        _, h_n = rnn(pack_padded_sequence(self.emb(front), torch.tensor(lengths), batch_first=True,
                                          enforce_sorted=False))
        if self.cell == "lstm":
            h_n = h_n[0]
        return torch.sigmoid(self.fc(h_n[-1]))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def named(tensors):
    return {k: {"shape": list(v.shape), "values": flat(v)} for k, v in tensors}


def case(cell, packed, name):
    torch.manual_seed(20261130)
    model = SpamRNN(cell, packed)
    with torch.no_grad():
        # Larger output weights make the gradients large enough (norm about
        # 0.27) that clipping at 0.1 changes them.
        model.fc.weight.mul_(30)
    ids = torch.tensor([[0, 0, 3, 1, 5], [2, 6, 4, 0, 3]])  # left padding; a 0 inside a message too
    y = torch.tensor([[1.0], [0.0]])
    params = list(model.named_parameters())
    initial = named(params)

    opt = torch.optim.Adam(model.parameters(), lr=LR)
    opt.zero_grad()
    p = model(ids)
    loss = nn.BCELoss()(p, y)
    loss.backward()
    grads = named((k, v.grad) for k, v in params)
    norm = nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    clipped = named((k, v.grad) for k, v in params)
    opt.step()
    after = named(params)

    out = {
        "torch_version": torch.__version__,
        "cell": cell,
        "packed": packed,
        "shape": {"vocab": V, "embed": E, "hidden": H, "layers": LAYERS, "batch": B, "steps": T},
        "clip": CLIP,
        "lr": LR,
        "ids": ids.tolist(),
        "labels": flat(y),
        "params": initial,
        "probs": flat(p),
        "loss": float(loss),
        "grads": grads,
        "grad_norm": float(norm),
        "clipped": clipped,
        "after": after,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote %s: loss %.17g, gradient norm %.17g" % (path, out["loss"], out["grad_norm"]))


def main():
    case("lstm", False, "pytorch_step.json")
    case("gru", False, "pytorch_step_gru.json")
    case("lstm", True, "pytorch_step_packed.json")


if __name__ == "__main__":
    main()
