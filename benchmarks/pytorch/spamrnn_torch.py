#!/usr/bin/python3
"""Move the spam classifier between Ember and PyTorch.

An export directory (spamrnn export --model FILE --out DIR) holds

    model.safetensors  the reference SpamRNN's state_dict: emb.weight,
                       lstm.weight_ih_l<k>, lstm.weight_hh_l<k>, lstm.bias_ih_l<k>,
                       lstm.bias_hh_l<k>, fc.weight, fc.bias (float32)
    vocab.txt          one token per line; line n (from 0) is id n: 0 padding, 1 unknown
    config.json        sizes, padding_idx, packed, bidirectional, sequence length, class
                       labels and the cleaning rules

Commands (Debian's /usr/bin/python3 with python3-torch; nothing else is needed:
safetensors files are read and written here with torch alone, or with the
safetensors package when it is installed):

  predict DIR [TEXT ...]   load DIR into the reference PyTorch model and print, per
                           message, "spam 0.9731" / "ham 0.0213" (as spamrnn predict
                           does; no TEXT: one message per line on stdin); --json prints
                           one JSON list of {"text", "label", "spam_probability"}.
                           --packed / --padded run the model packed or padded whatever
                           config.json says (the weights are the same).
  export DIR --data FILE   train the reference model in PyTorch on the UCI SMS file
                           (the pipeline of spam_lstm.py: split, vocabulary from the
                           training split) and write it to DIR, for spamrnn import;
                           --packed trains and exports it packed (spamrnn --packed);
                           --bidirectional makes the LSTM bidirectional (spamrnn
                           --bidirectional).

The model: nn.Embedding(vocab, embedding_dim, padding_idx) -> nn.LSTM(embedding_dim,
hidden_size, num_layers, batch_first=True) -> the top layer's output at the last step
-> nn.Linear(hidden_size, 1) -> sigmoid; packed (config.json "packed": true), the
recurrent layers run on pack_padded_sequence of each message's tokens (moved from the
end of its left-padded row to the front) and the top layer's final state h_n[-1] takes
the place of the last step's output. Bidirectional (config.json "bidirectional": true),
the LSTM (GRU) is nn.LSTM(..., bidirectional=True), its reverse cells under the names
with _reverse added, and fc reads torch.cat((h_n[-2], h_n[-1]), 1), 2 * hidden_size
features: the forward direction's final state beside the reverse direction's (which,
padded, has read the row's padding last, as PyTorch does). Messages are cleaned as Ember cleans them:
each character lower-cased on its own (Go's unicode.ToLower), Python's
string.punctuation deleted, split on Go's white space (unicode.IsSpace, which unlike
str.split() does not split on \\x1c-\\x1f), the first seq_len tokens kept, unknown words
mapped to 1, left-padded with 0.
"""

import argparse
import json
import os
import random
import re
import struct
import sys

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

FORMAT = "ember.spamrnn.export"
WEIGHTS, VOCAB, CONFIG = "model.safetensors", "vocab.txt", "config.json"
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
# Go's unicode.IsSpace: ASCII \t \n \v \f \r and space, U+0085, U+00A0, and the
# Unicode space separators (Zs, Zl, Zp).
GO_SPACE = re.compile("[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
PAD, UNK = 0, 1


# ----------------------------------------------------------------------------- text

def lower_char(c):
    low = c.lower()
    # str.lower() maps U+0130 to two code points; Go's unicode.ToLower to one.
    return low if len(low) == 1 else low[0]


def tokens(text):
    cleaned = "".join(lower_char(c) for c in text if c not in PUNCTUATION)
    return [t for t in GO_SPACE.split(cleaned) if t]


def encode(toks, vocab, seq_len):
    ids = [vocab.get(t, UNK) for t in toks[:seq_len]]
    return [PAD] * (seq_len - len(ids)) + ids


# ----------------------------------------------------------------------------- safetensors

_DTYPES = {"F32": (torch.float32, 4), "F64": (torch.float64, 8), "F16": (torch.float16, 2),
           "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8), "I32": (torch.int32, 4)}


def load_safetensors(path):
    try:
        from safetensors.torch import load_file
        return load_file(path)
    except ImportError:
        pass
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, size = _DTYPES[info["dtype"]]
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype) if end > begin else torch.empty(0, dtype=dtype)
        out[name] = t.reshape(info["shape"]).clone()
    return out


def save_safetensors(tensors, path, metadata=None):
    try:
        from safetensors.torch import save_file
        return save_file(tensors, path, metadata=metadata)
    except ImportError:
        pass
    names = {v: k for k, (v, _) in _DTYPES.items()}
    items = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, chunks, off = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in items:
        raw = t.detach().contiguous().cpu().numpy().tobytes() if t.dtype != torch.bfloat16 else \
            t.detach().contiguous().view(torch.int16).numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        chunks.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)


# ----------------------------------------------------------------------------- model

class SpamRNN(nn.Module):
    """The reference model; state_dict names emb.*, lstm.* (gru.* for a GRU), fc.*."""

    def __init__(self, vocab_size, embedding_dim, hidden_size, num_layers, dropout=0.0, padding_idx=PAD,
                 cell="lstm", bidirectional=False):
        super().__init__()
        self.cell = cell
        self.emb = nn.Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        setattr(self, cell, rnn(embedding_dim, hidden_size, num_layers=num_layers,
                                dropout=dropout if num_layers > 1 else 0.0, batch_first=True,
                                bidirectional=bidirectional))
        self.fc = nn.Linear(hidden_size * (2 if bidirectional else 1), 1)

    def features(self, h_n):
        """The top layer's final state(s): h_n[-1], or torch.cat((h_n[-2], h_n[-1]), 1) when
        bidirectional (the forward direction's, then the reverse direction's)."""
        rnn = getattr(self, self.cell)
        if self.cell == "lstm":
            h_n = h_n[0]
        if rnn.bidirectional:
            return torch.cat((h_n[-2], h_n[-1]), 1)
        return h_n[-1]

    def forward(self, ids, packed=False):
        """ids: [B, T] left-padded; packed: run each row on its own length."""
        rnn = getattr(self, self.cell)
        if not packed:
            out, h_n = rnn(self.emb(ids))
            if rnn.bidirectional:
                return torch.sigmoid(self.fc(self.features(h_n))).squeeze(1)
            return torch.sigmoid(self.fc(out[:, -1, :])).squeeze(1)
        lengths = lengths_of(ids)
        real = lengths > 0  # pack_padded_sequence refuses empty rows; their state stays zero
        h = torch.zeros(ids.shape[0], self.fc.in_features, dtype=self.fc.weight.dtype)
        if bool(real.any()):
            e = self.emb(to_front(ids[real], lengths[real]))
            _, h_n = rnn(pack_padded_sequence(e, lengths[real], batch_first=True, enforce_sorted=False))
            h[real] = self.features(h_n)
        return torch.sigmoid(self.fc(h)).squeeze(1)


def lengths_of(ids):
    """Tokens per left-padded row: the row length minus its leading padding (Ember's
    data.Dataset.Length)."""
    nonpad = ids != PAD
    first = torch.where(nonpad.any(dim=1), nonpad.int().argmax(dim=1), torch.full((ids.shape[0],), ids.shape[1]))
    return ids.shape[1] - first


def to_front(ids, lengths):
    """Left-padded rows -> the same tokens at the front (pack_padded_sequence's layout)."""
    out = torch.full_like(ids, PAD)
    for r in range(ids.shape[0]):
        n = int(lengths[r])
        out[r, :n] = ids[r, ids.shape[1] - n:]
    return out


def load_export(d):
    with open(os.path.join(d, CONFIG)) as f:
        cfg = json.load(f)
    if cfg.get("format") != FORMAT or cfg.get("cell") not in ("lstm", "gru"):
        sys.exit("%s: not an Ember spamrnn export of an LSTM or GRU model (format %r, cell %r)"
                 % (d, cfg.get("format"), cfg.get("cell")))
    with open(os.path.join(d, VOCAB), encoding="utf-8", newline="\n") as f:
        words = f.read().split("\n")
    if words and words[-1] == "":
        words.pop()
    if len(words) != cfg["vocab_size"]:
        sys.exit("%s: %d tokens, config.json says %d" % (VOCAB, len(words), cfg["vocab_size"]))
    model = SpamRNN(cfg["vocab_size"], cfg["embedding_dim"], cfg["hidden_size"], cfg["num_layers"],
                    cfg.get("dropout", 0.0), cfg["padding_idx"], cfg["cell"], cfg.get("bidirectional", False))
    state = load_safetensors(os.path.join(d, WEIGHTS))
    model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()})  # strict: every name must match
    model.eval()
    return model, {w: i for i, w in enumerate(words)}, cfg


def write_export(d, model, words, cfg):
    os.makedirs(d, exist_ok=True)
    save_safetensors({k: v.detach().to(torch.float32).contiguous() for k, v in model.state_dict().items()},
                     os.path.join(d, WEIGHTS), metadata={"format": "pt", "ember": FORMAT})
    with open(os.path.join(d, VOCAB), "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(w + "\n" for w in words))
    with open(os.path.join(d, CONFIG), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")


# ----------------------------------------------------------------------------- commands

@torch.no_grad()
def predict(args):
    model, vocab, cfg = load_export(args.dir)
    packed = cfg.get("packed", False) if args.packed is None else args.packed
    labels = cfg.get("labels") or {"negative": "ham", "positive": "spam"}
    texts = args.text if args.text else [line.rstrip("\n") for line in sys.stdin]
    results = []
    for text in texts:
        toks = tokens(text)
        if not toks:
            results.append({"text": text, "label": "empty", "spam_probability": None})
            continue
        ids = torch.tensor([encode(toks, vocab, cfg["seq_len"])])
        p = float(model(ids, packed)[0])
        results.append({"text": text, "label": labels["positive"] if p >= 0.5 else labels["negative"],
                        "spam_probability": p})
    if args.json:
        json.dump(results, sys.stdout)
        print()
        return
    for r in results:
        if r["label"] == "empty":
            print("empty -      (%s has no words to classify)" % json.dumps(r["text"].strip(), ensure_ascii=False))
        else:
            print("%-4s %.4f" % (r["label"], r["spam_probability"]))


def export(args):
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rows = []
    with open(args.data, encoding="utf-8", newline="\n") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            label, text = line.split("\t", 1)
            toks = tokens(text)
            if toks and label in ("ham", "spam"):
                rows.append((1.0 if label == "spam" else 0.0, toks))
    idx = list(range(len(rows)))
    random.Random(args.seed).shuffle(idx)
    train = [rows[i] for i in idx[:int(0.7 * len(rows))]]
    counts = {}
    for _, toks in train:
        for t in toks:
            counts[t] = counts.get(t, 0) + 1
    words = [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if args.max_vocab:
        words = words[:max(args.max_vocab - 2, 0)]
    words = ["<pad>", "<unk>"] + words
    vocab = {w: i for i, w in enumerate(words)}
    pad = None if args.padding == "learned" else PAD
    model = SpamRNN(len(words), args.embed, args.hidden, args.layers, args.dropout, pad,
                    bidirectional=args.bidirectional)
    x = torch.tensor([encode(t, vocab, args.seq_len) for _, t in train])
    y = torch.tensor([lab for lab, _ in train])
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.BCELoss()
    model.train()
    for epoch in range(args.epochs):
        perm = torch.randperm(len(train))
        total = 0.0
        for b in range(len(train) // args.batch):
            sel = perm[b * args.batch:(b + 1) * args.batch]
            opt.zero_grad()
            loss = loss_fn(model(x[sel], args.packed), y[sel])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            opt.step()
            total += float(loss)
        print("epoch %d: mean training loss %.4f" % (epoch + 1, total / max(1, len(train) // args.batch)))
    model.eval()
    cfg = {
        "format": FORMAT, "version": 1, "cell": "lstm",
        "vocab_size": len(words), "embedding_dim": args.embed, "hidden_size": args.hidden,
        "num_layers": args.layers, "dropout": args.dropout, "batch_first": True, "padding_idx": pad,
        "packed": args.packed, "bidirectional": args.bidirectional, "seq_len": args.seq_len, "pad_id": PAD, "unk_id": UNK,
        "labels": {"negative": "ham", "positive": "spam"},
        "lowercase": True, "punctuation": PUNCTUATION, "split": "white space (Unicode), runs of it as one",
        "encoding": "keep the first seq_len tokens; map words not in vocab.txt to unk_id; "
                    "pad on the left with pad_id to exactly seq_len, so the last step holds the last kept word",
        "output": "sigmoid(fc(h)), h the top LSTM layer's hidden state at the last step: the probability of spam",
        "train": {"source": "PyTorch %s, spamrnn_torch.py export, %s" % (torch.__version__, os.path.basename(args.data)),
                  "epochs": args.epochs, "batch_size": args.batch, "lr": args.lr, "clip": args.clip,
                  "seed": args.seed},
    }
    if args.packed:
        cfg["encoding"] += ("; packed: the message's length is seq_len minus its left padding, and its tokens "
                            "are moved to the front of the row for pack_padded_sequence")
        cfg["output"] = ("sigmoid(fc(h)), h the top LSTM layer's final state h_n[-1] on the packed message "
                         "(zero for a message of no tokens): the probability of spam")
    if args.bidirectional:
        state = "final state on the packed message" if args.packed else "last step's hidden state"
        cfg["output"] = ("sigmoid(fc(h)), h = torch.cat((h_n[-2], h_n[-1]), 1) of the top bidirectional LSTM layer: "
                         "the forward direction's " + state + " beside the reverse direction's final state "
                         "(after it has read the first step): the probability of spam")
    write_export(args.dir, model, words, cfg)
    print("wrote %s: vocabulary %d, %d parameters" % (args.dir, len(words), sum(p.numel() for p in model.parameters())))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("predict", help="print the probabilities of an export for messages")
    p.add_argument("dir")
    p.add_argument("text", nargs="*")
    p.add_argument("--json", action="store_true")
    run = p.add_mutually_exclusive_group()
    run.add_argument("--packed", dest="packed", action="store_true", default=None,
                     help="run the recurrent layers packed whatever config.json says")
    run.add_argument("--padded", dest="packed", action="store_false",
                     help="run them over the whole padded row whatever config.json says")
    e = sub.add_parser("export", help="train the reference model in PyTorch and export it")
    e.add_argument("dir")
    e.add_argument("--data", required=True, help="UCI SMS file: label<TAB>text")
    e.add_argument("--epochs", type=int, default=1)
    e.add_argument("--batch", type=int, default=10)
    e.add_argument("--seq-len", type=int, default=44)
    e.add_argument("--embed", type=int, default=100)
    e.add_argument("--hidden", type=int, default=256)
    e.add_argument("--layers", type=int, default=2)
    e.add_argument("--dropout", type=float, default=0.5)
    e.add_argument("--lr", type=float, default=1e-3)
    e.add_argument("--clip", type=float, default=5.0)
    e.add_argument("--max-vocab", type=int, default=0, help="keep the most frequent words (0: all)")
    e.add_argument("--padding", choices=["zero", "learned"], default="zero")
    e.add_argument("--packed", action="store_true", help="train on pack_padded_sequence and export it packed")
    e.add_argument("--bidirectional", action="store_true", help="a bidirectional LSTM (spamrnn --bidirectional)")
    e.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()
    torch.set_num_threads(1)
    {"predict": predict, "export": export}[args.cmd](args)


if __name__ == "__main__":
    main()
