"""Expected values for optim's TestAdamMatchesPyTorch and TestSGDMatchesPyTorch.

Each case is a scalar parameter starting at 1.0 fed the gradients 0.5, -0.3, 0.2.
The update rules are written out from the PyTorch documentation in plain
float64 arithmetic, so the numbers do not come from the Go implementation.
Where torch is installed the same cases are also run through torch.optim and
compared.

    python3 optim/testdata/reference.py
"""

import math

GRADS = [0.5, -0.3, 0.2]

# name: (lr, beta1, beta2, eps, weight_decay, decoupled)
ADAM = {
    "defaults": (0.1, 0.9, 0.999, 1e-8, 0.0, False),
    "l2 weight decay": (0.1, 0.9, 0.999, 1e-8, 0.1, False),
    "decoupled weight decay": (0.1, 0.9, 0.999, 1e-8, 0.1, True),
    "betas and eps": (0.1, 0.8, 0.99, 1e-3, 0.0, False),
}

# name: (momentum, dampening, weight_decay, nesterov), lr 0.1
SGD = {
    "plain": (0.0, 0.0, 0.0, False),
    "weight decay": (0.0, 0.0, 0.1, False),
    "momentum": (0.9, 0.0, 0.0, False),
    "dampening": (0.9, 0.5, 0.0, False),
    "nesterov": (0.9, 0.0, 0.0, True),
    "nesterov weight decay": (0.9, 0.0, 0.1, True),
}


def adam(lr, b1, b2, eps, wd, decoupled):
    w, m, v, out = 1.0, 0.0, 0.0, []
    for t, g in enumerate(GRADS, 1):
        if decoupled:
            w *= 1 - lr * wd
        else:
            g += wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = math.sqrt(v) / math.sqrt(1 - b2**t) + eps
        w -= lr / (1 - b1**t) * m / denom
        out.append(w)
    return out


def sgd(momentum, dampening, wd, nesterov, lr=0.1):
    w, buf, out = 1.0, None, []
    for g in GRADS:
        d = g + wd * w
        if momentum:
            buf = d if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        w -= lr * d
        out.append(w)
    return out


def torch_run(make_opt):
    import torch

    p = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))
    opt, out = make_opt([p]), []
    for g in GRADS:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append(p.item())
    return out


# Parameter groups: two scalars, both starting at 1.0 and fed GRADS; the
# first in the default group, the second in a group of its own.
# optimizer: (defaults, group), each (lr, weight_decay)
GROUPS = {
    "adam": ((0.1, 0.0), (0.05, 0.1)),
    "sgd": ((0.1, 0.1), (0.3, 0.0)),
}


def torch_groups(kind, default, group):
    import torch

    ps = [torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64)) for _ in range(2)]
    groups = [{"params": [ps[0]]}, {"params": [ps[1]], "lr": group[0], "weight_decay": group[1]}]
    if kind == "adam":
        opt = torch.optim.Adam(groups, lr=default[0], weight_decay=default[1])
    else:
        opt = torch.optim.SGD(groups, lr=default[0], weight_decay=default[1], momentum=0.9)
    out = []
    for g in GRADS:
        for p in ps:
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        out.append([p.item() for p in ps])
    return out


def main():
    try:
        import torch
    except ImportError:
        torch = None
    for name, (lr, b1, b2, eps, wd, dec) in ADAM.items():
        want = adam(lr, b1, b2, eps, wd, dec)
        print("adam", name, [repr(x) for x in want])
        if torch:
            cls = torch.optim.AdamW if dec else torch.optim.Adam
            got = torch_run(lambda ps: cls(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd))
            assert all(math.isclose(a, b, rel_tol=1e-13) for a, b in zip(want, got)), (name, got)
    for name, (mom, damp, wd, nest) in SGD.items():
        want = sgd(mom, damp, wd, nest)
        print("sgd", name, [repr(x) for x in want])
        if torch:
            got = torch_run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=mom, dampening=damp, weight_decay=wd, nesterov=nest))
            assert all(math.isclose(a, b, rel_tol=1e-13) for a, b in zip(want, got)), (name, got)
    for kind, (default, group) in GROUPS.items():
        if kind == "adam":
            want = list(zip(adam(default[0], 0.9, 0.999, 1e-8, default[1], False),
                            adam(group[0], 0.9, 0.999, 1e-8, group[1], False)))
        else:
            want = list(zip(sgd(0.9, 0.0, default[1], False, lr=default[0]),
                            sgd(0.9, 0.0, group[1], False, lr=group[0])))
        print("groups", kind, [[repr(x) for x in step] for step in want])
        if torch:
            got = torch_groups(kind, default, group)
            assert all(math.isclose(a, b, rel_tol=1e-13) for w, g in zip(want, got) for a, b in zip(w, g)), (kind, got)
    print("checked against torch" if torch else "torch not installed: formulas only")


if __name__ == "__main__":
    main()
