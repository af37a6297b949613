#!/usr/bin/python3
"""PyTorch reference for Ember's flagship model: the LSTM SMS-spam classifier.

Model (exactly what the Go engine implements; no other layers, no extra dropout):

    Embedding(vocab, 100, padding_idx=0)
      -> LSTM(100, 256, num_layers=2, dropout=0.5 between the layers, batch_first=True),
         zero initial hidden/cell state for every batch
      -> output of the top layer at the LAST time step   (shape [B, 256])
      -> Linear(256, 1)
      -> Sigmoid

Training: BCELoss on the sigmoid output, Adam(lr=1e-3, PyTorch defaults otherwise),
clip_grad_norm_(params, 5.0) every step, batch 10, batches reshuffled every epoch with
drop_last=True; validation loss/accuracy after every epoch; the weights with the best
(lowest) validation loss are restored before the final test evaluation.

Data pipeline:
  * file: UCI SMSSpamCollection, one `label<TAB>text` per line, no quoting
    (5,574 rows); ham -> 0, spam -> 1.
  * cleaning: text.lower(), delete every character in Python's string.punctuation,
    str.split() (any whitespace); messages with no tokens left are dropped.
  * split: indices 0..n-1 shuffled with random.Random(seed).shuffle (Python's Mersenne
    Twister), then the first int(0.70*n) rows are train, the next int(0.15*n) are
    validation and the rest are test.
  * vocabulary: TRAIN split only; words sorted by descending count, ties alphabetical
    (plain Python str ordering); index 0 = padding, 1 = unknown, words from 2.
  * encoding: keep the FIRST seq_len (44) tokens, unknown words -> 1, and left-pad with 0
    to exactly seq_len (so the last time step is always the last kept token).

--packed runs the recurrent layers on each message's own length (Ember's spamrnn --packed):
the batch is embedded, packed with pack_padded_sequence (the messages' tokens moved to the
front, so padding is never computed) and the classifier reads each message's final state
(h_n of the top layer); training batches come from the same length-bucketing sampler as
Ember's train.Bucket: shuffle, sort by length (longest first) within chunks of --bucket
batches, cut into batches, shuffle the batches (each batch then sorted longest first, as
pack_padded_sequence's enforce_sorted wants). In bench mode each timed repeat of a packed run
is one epoch of bucketed batches (or --packed-steps of them), so that both engines are timed
over the training split's whole length distribution.

--bidirectional makes the recurrent layers bidirectional (Ember's spamrnn --bidirectional):
nn.LSTM/nn.GRU(bidirectional=True), each layer 2 * 256 features wide, and the dense layer reads
torch.cat((h_n[-2], h_n[-1]), 1), the forward direction's final state beside the reverse
direction's, padded and packed, as Ember's model does.

--cell gru puts nn.GRU (same sizes, two biases per layer) in place of nn.LSTM; --cell cnn
puts Kim's text CNN there (filter widths 3, 4, 5 with 100 filters each, ReLU, max over time,
dropout 0.5 on the concatenated features), as Ember's spamrnn --cell does.

Modes (run with Debian's /usr/bin/python3, which has python3-torch):
  train (default):  /usr/bin/python3 spam_lstm.py --epochs 10
  bench:            /usr/bin/python3 spam_lstm.py --bench --batch-sizes 10,64 --warmup 5 --steps 50 --repeats 3
  GPU:              add --device cuda (timings synchronize the device around the timed region)
Each mode ends by printing one JSON line (starting with "{") with the results; earlier lines
are human-readable progress.

Threads: --threads (torch.set_num_threads, default all cores), --blas-threads
(OPENBLAS_NUM_THREADS, default all cores) and --omp-wait-policy (default passive) are fixed
before torch is imported; see _thread_env_from_argv for why this matters on CPU.

FLOPs: one training step is counted analytically as 3 x the forward matmul FLOPs
(forward + backward wrt inputs + backward wrt weights): per sample and time step,
each LSTM layer does 2*(in+H)*4H (input and recurrent projections into the 4 gates;
3 gates for the GRU), plus the dense layer 2*H*1 once per sample. The text CNN: per sample
and filter width w, 2*(T-w+1)*channels*100*w, plus the dense layer. Elementwise gate arithmetic, the
embedding gather, the loss, clipping and Adam are not counted.

Standard library + torch only.
"""

import argparse
import collections
import ctypes
import json
import os
import platform
import random
import statistics
import string
import sys
import time


def _thread_env_from_argv(argv):
    """Threading must be fixed BEFORE torch (libgomp, OpenBLAS) is loaded.

    Debian's python3-torch does its matmuls in the system BLAS (OpenBLAS, pthread build,
    which starts its own pool of threads) and its elementwise ops in libgomp OpenMP
    threads, which busy-wait between parallel regions by default. With both pools at
    "all cores" the two spin against each other: measured on the 2-vCPU dev machine,
    a batch-10 step took ~300 ms instead of ~51 ms. So by default this script sets
    OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=<--blas-threads, default all cores>.
    Variables already present in the environment are left alone (and recorded).
    """
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--threads", type=int, default=0)
    pre.add_argument("--blas-threads", type=int, default=0)
    pre.add_argument("--omp-wait-policy", default="passive")
    a, _ = pre.parse_known_args(argv)
    ncpu = os.cpu_count() or 1
    blas = a.blas_threads if a.blas_threads > 0 else ncpu
    set_here = {}
    for k, v in (("OPENBLAS_NUM_THREADS", str(blas)),
                 ("OMP_WAIT_POLICY", a.omp_wait_policy.upper())):
        if k == "OMP_WAIT_POLICY" and a.omp_wait_policy.lower() == "default":
            continue
        if k not in os.environ:
            os.environ[k] = v
            set_here[k] = v
    return set_here


_ENV_SET_BY_SCRIPT = _thread_env_from_argv(sys.argv[1:]) if __name__ == "__main__" else {}

import torch  # noqa: E402  (after the threading environment is fixed)
import torch.nn as nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence  # noqa: E402

EMBED_DIM = 100
HIDDEN = 256
LAYERS = 2
DROPOUT = 0.5  # between the recurrent layers; on the cnn's pooled features
CNN_WIDTHS = (3, 4, 5)
CNN_CHANNELS = 100
LR = 1e-3
CLIP = 5.0
PAD, UNK = 0, 1

DEFAULT_DATA = "/work/shared/data/sms_spam/SMSSpamCollection"


# ----------------------------------------------------------------------------- data

_PUNCT_TABLE = str.maketrans("", "", string.punctuation)


def clean(text):
    return text.lower().translate(_PUNCT_TABLE).split()


def load_rows(path):
    """Returns (rows, n_lines, n_dropped); rows are (label, tokens)."""
    rows = []
    n_lines = 0
    dropped = 0
    with open(path, "r", encoding="utf-8", newline="\n") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            n_lines += 1
            label, text = line.split("\t", 1)
            if label == "ham":
                y = 0
            elif label == "spam":
                y = 1
            else:
                raise ValueError("line %d: unknown label %r" % (n_lines, label))
            toks = clean(text)
            if not toks:
                dropped += 1
                continue
            rows.append((y, toks))
    return rows, n_lines, dropped


def split_rows(rows, seed):
    idx = list(range(len(rows)))
    random.Random(seed).shuffle(idx)
    n = len(rows)
    n_train = int(0.70 * n)
    n_val = int(0.15 * n)
    train = [rows[i] for i in idx[:n_train]]
    val = [rows[i] for i in idx[n_train:n_train + n_val]]
    test = [rows[i] for i in idx[n_train + n_val:]]
    return train, val, test


def build_vocab(train_rows):
    counts = collections.Counter()
    for _, toks in train_rows:
        counts.update(toks)
    words = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    vocab = {"<pad>": PAD, "<unk>": UNK}
    for w, _ in words:
        vocab[w] = len(vocab)
    return vocab


def encode(rows, vocab, seq_len):
    x = torch.zeros(len(rows), seq_len, dtype=torch.long)
    y = torch.zeros(len(rows), dtype=torch.float32)
    for r, (label, toks) in enumerate(rows):
        ids = [vocab.get(t, UNK) for t in toks[:seq_len]]
        if ids:
            x[r, seq_len - len(ids):] = torch.tensor(ids, dtype=torch.long)
        y[r] = label
    return x, y


def lengths_of(x):
    """Tokens per left-padded row: the row length minus its leading padding."""
    nonpad = x != PAD
    first = torch.where(nonpad.any(dim=1), nonpad.float().argmax(dim=1), torch.full((x.shape[0],), x.shape[1]))
    return x.shape[1] - first


def to_front(x, lengths):
    """Left-padded rows -> the same tokens at the front (pack_padded_sequence's layout)."""
    out = torch.zeros_like(x)
    for r in range(x.shape[0]):
        n = int(lengths[r])
        if n:
            out[r, :n] = x[r, x.shape[1] - n:]
    return out


def bucket_order(lengths, batch, chunk, rng):
    """Ember's train.Bucket: shuffle, sort longest first within chunks of `chunk` batches, cut
    into batches, shuffle the batches; the remainder of fewer than a batch last, sorted too."""
    n = len(lengths)
    idx = list(range(n))
    rng.shuffle(idx)
    full = n - n % batch
    key = lambda i: -int(lengths[i])  # noqa: E731  (sorted() is stable, as SortStableFunc)
    for lo in range(0, full, chunk * batch):
        hi = min(lo + chunk * batch, full)
        idx[lo:hi] = sorted(idx[lo:hi], key=key)
    idx[full:] = sorted(idx[full:], key=key)
    order = list(range(full // batch))
    rng.shuffle(order)
    return [i for b in order for i in idx[b * batch:(b + 1) * batch]] + idx[full:]


def packed_batch(x, y, lengths, idx, device):
    """A batch for the packed model: tokens at the front, lengths on the CPU (what
    pack_padded_sequence takes), rows in idx's order."""
    idx = torch.as_tensor(idx)
    lb = lengths[idx]
    return (to_front(x[idx], lb).to(device), lb), y[idx].to(device)


def prepare(args):
    rows, n_lines, dropped = load_rows(args.data)
    train, val, test = split_rows(rows, args.seed)
    vocab = build_vocab(train)
    data = {
        "train": encode(train, vocab, args.seq_len),
        "val": encode(val, vocab, args.seq_len),
        "test": encode(test, vocab, args.seq_len),
    }
    info = {
        "rows": n_lines,
        "dropped_empty": dropped,
        "n_train": len(train),
        "n_val": len(val),
        "n_test": len(test),
        "vocab_size": len(vocab),
        "train_spam": int(sum(r[0] for r in train)),
        "val_spam": int(sum(r[0] for r in val)),
        "test_spam": int(sum(r[0] for r in test)),
    }
    return data, info


# ----------------------------------------------------------------------------- model

class SpamLSTM(nn.Module):
    """The reference model, or with cell="gru" the same with nn.GRU in place of nn.LSTM
    (parameters lstm.* or gru.*, as Ember names them), or with cell="cnn" Kim's text CNN
    (Ember's --cell cnn): per filter width an nn.Conv1d of CNN_CHANNELS filters, ReLU,
    max over time, the pooled features concatenated, dropout, then the same dense layer."""

    def __init__(self, vocab_size, cell="lstm", bidirectional=False):
        super().__init__()
        self.cell = cell
        self.bidirectional = bidirectional
        self.embedding = nn.Embedding(vocab_size, EMBED_DIM, padding_idx=PAD)
        if cell == "cnn":
            self.convs = nn.ModuleList([nn.Conv1d(EMBED_DIM, CNN_CHANNELS, w) for w in CNN_WIDTHS])
            self.dropout = nn.Dropout(DROPOUT)
            self.fc = nn.Linear(CNN_CHANNELS * len(CNN_WIDTHS), 1)
            return
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        setattr(self, cell, rnn(EMBED_DIM, HIDDEN, num_layers=LAYERS, dropout=DROPOUT, batch_first=True,
                                bidirectional=bidirectional))
        self.fc = nn.Linear(HIDDEN * (2 if bidirectional else 1), 1)

    def forward(self, x, lengths=None):
        """x: [B, T] left-padded ids; or, with lengths (packed), the tokens at the front."""
        e = self.embedding(x)                 # [B, T, 100]
        if lengths is not None:
            packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
            _, h_n = getattr(self, self.cell)(packed)
            if self.cell == "lstm":
                h_n = h_n[0]
            if self.bidirectional:  # both directions' final states
                return torch.sigmoid(self.fc(torch.cat((h_n[-2], h_n[-1]), 1))).squeeze(1)
            return torch.sigmoid(self.fc(h_n[-1])).squeeze(1)  # each message's final state
        if self.cell == "cnn":
            et = e.transpose(1, 2)            # [B, 100, T]
            feats = torch.cat([torch.relu(c(et)).max(dim=2).values for c in self.convs], dim=1)
            return torch.sigmoid(self.fc(self.dropout(feats))).squeeze(1)
        out, h_n = getattr(self, self.cell)(e)  # zero initial state; out: [B, T, 256] top layer
        if self.bidirectional:  # out[:, -1] would hold the reverse direction after one step
            if self.cell == "lstm":
                h_n = h_n[0]
            return torch.sigmoid(self.fc(torch.cat((h_n[-2], h_n[-1]), 1))).squeeze(1)
        last = out[:, -1, :]                  # [B, 256]
        return torch.sigmoid(self.fc(last)).squeeze(1)   # [B]


def train_step(model, opt, loss_fn, xb, yb):
    """xb: ids, or (ids, lengths) for the packed model."""
    opt.zero_grad(set_to_none=True)
    p = model(*xb) if isinstance(xb, tuple) else model(xb)
    loss = loss_fn(p, yb)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    opt.step()
    return loss


def flops_per_step(batch, seq_len, cell="lstm", bidirectional=False):
    """Analytic FLOPs of one training step (forward matmuls x 3)."""
    if cell == "cnn":
        conv = sum(2 * (seq_len - w + 1) * CNN_CHANNELS * EMBED_DIM * w for w in CNN_WIDTHS)
        return 3 * batch * (conv + 2 * CNN_CHANNELS * len(CNN_WIDTHS))
    gates = {"lstm": 4, "gru": 3}[cell]
    dirs = 2 if bidirectional else 1
    per_t = 0
    in_dim = EMBED_DIM
    for _ in range(LAYERS):
        per_t += dirs * 2 * (in_dim + HIDDEN) * gates * HIDDEN
        in_dim = dirs * HIDDEN
    fwd = batch * (seq_len * per_t + 2 * dirs * HIDDEN * 1)
    return 3 * fwd


@torch.no_grad()
def evaluate(model, loss_fn, x, y, device, batch=None, packed=False):
    model.eval()
    n = x.shape[0]
    batch = batch or n
    tot_loss = 0.0
    correct = 0
    for i in range(0, n, batch):
        xb = x[i:i + batch].to(device)
        yb = y[i:i + batch].to(device)
        if packed:
            lb = lengths_of(x[i:i + batch])
            p = model(to_front(x[i:i + batch], lb).to(device), lb)
        else:
            p = model(xb)
        tot_loss += loss_fn(p, yb).item() * xb.shape[0]
        correct += int(((p >= 0.5).float() == yb).sum().item())
    model.train()
    return correct / n, tot_loss / n


# ----------------------------------------------------------------------------- env

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def blas_info():
    """The BLAS library torch actually loaded, and its thread count (OpenBLAS only)."""
    info = {}
    try:
        cfg = torch.__config__.show()
        for part in cfg.replace(",", " ").split():
            if part.startswith("BLAS_INFO="):
                info["torch_blas_info"] = part.split("=", 1)[1]
    except Exception:  # pragma: no cover
        pass
    libs = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                base = os.path.basename(path)
                if ("blas" in base or "mkl" in base) and path not in libs:
                    libs.append(path)
    except OSError:
        pass
    info["blas_libs"] = libs
    for path in libs:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        if hasattr(lib, "openblas_get_num_threads"):
            lib.openblas_get_num_threads.restype = ctypes.c_int
            info["openblas_threads"] = lib.openblas_get_num_threads()
            if hasattr(lib, "openblas_get_config"):
                lib.openblas_get_config.restype = ctypes.c_char_p
                info["openblas_config"] = lib.openblas_get_config().decode(errors="replace")
            break
    return info


def env_info(args, device):
    d = {
        "device": str(device),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "interop_threads": torch.get_num_interop_threads(),
        "env": {k: os.environ.get(k) for k in
                ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "env_set_by_script": _ENV_SET_BY_SCRIPT,
        # Contention indicators: a shared machine makes CPU timings meaningless, so
        # record the 1/5/15-minute load averages when the run finished.
        "loadavg_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    d.update(blas_info())
    if device.type == "cuda":
        d["gpu"] = torch.cuda.get_device_name(device)
        d["cudnn"] = torch.backends.cudnn.version()
    return d


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# ----------------------------------------------------------------------------- modes

def run_train(args, device):
    data, info = prepare(args)
    print("data: %s" % json.dumps(info), flush=True)
    torch.manual_seed(args.seed)
    model = SpamLSTM(info["vocab_size"], args.cell, args.bidirectional).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.BCELoss()

    xtr, ytr = data["train"]
    xtr, ytr = xtr.to(device), ytr.to(device)
    n = xtr.shape[0]
    nb = n // args.batch  # drop_last=True
    gen = torch.Generator()
    gen.manual_seed(args.seed)
    bucket_rng = random.Random(args.seed)
    lengths_tr = lengths_of(data["train"][0])

    best_val_loss = float("inf")
    best_state = None
    best_epoch = 0
    train_seconds = 0.0
    seqs = 0
    history = []
    t_all = time.perf_counter()
    epochs_done = 0
    stopped_early = False
    for epoch in range(1, args.epochs + 1):
        if args.time_limit > 0 and epoch > 1 and time.perf_counter() - t_all > args.time_limit:
            stopped_early = True
            print("time limit %.0fs reached after %d epochs; stopping" % (args.time_limit, epochs_done),
                  flush=True)
            break
        if args.packed:
            order = bucket_order(lengths_tr, args.batch, args.bucket, bucket_rng)
        else:
            perm = torch.randperm(n, generator=gen).to(device)
        run_loss = 0.0
        run_correct = 0
        sync(device)
        c0 = time.process_time()
        t0 = time.perf_counter()
        for b in range(nb):
            if args.packed:
                xb, yb = packed_batch(data["train"][0], ytr, lengths_tr, order[b * args.batch:(b + 1) * args.batch], device)
            else:
                idx = perm[b * args.batch:(b + 1) * args.batch]
                xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad(set_to_none=True)
            p = model(*xb) if args.packed else model(xb)
            loss = loss_fn(p, yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            opt.step()
            run_loss += loss.item() * args.batch
            run_correct += int(((p.detach() >= 0.5).float() == yb).sum().item())
        sync(device)
        ep_s = time.perf_counter() - t0
        ep_cpu = (time.process_time() - c0) / ep_s
        train_seconds += ep_s
        seqs += nb * args.batch
        epochs_done = epoch
        val_acc, val_loss = evaluate(model, loss_fn, *data["val"], device, packed=args.packed)
        rec = {
            "epoch": epoch,
            "train_loss": run_loss / (nb * args.batch),
            "train_accuracy": run_correct / (nb * args.batch),
            "val_loss": val_loss,
            "val_accuracy": val_acc,
            "epoch_seconds": ep_s,
            "cpu_util": ep_cpu,
            "load1": os.getloadavg()[0],
        }
        history.append(rec)
        improved = val_loss < best_val_loss
        if improved:
            best_val_loss = val_loss
            best_epoch = epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        print("epoch %2d  train_loss %.4f  train_acc %.4f  val_loss %.4f  val_acc %.4f  %.1fs"
              "  cpu_util %.2f  load1 %.1f%s"
              % (epoch, rec["train_loss"], rec["train_accuracy"], val_loss, val_acc, ep_s,
                 ep_cpu, rec["load1"], "  *best" if improved else ""), flush=True)

    if best_state is not None:
        model.load_state_dict(best_state)
    val_acc, val_loss = evaluate(model, loss_fn, *data["val"], device, packed=args.packed)
    test_acc, test_loss = evaluate(model, loss_fn, *data["test"], device, packed=args.packed)
    result = {
        "mode": "train",
        "cell": args.cell,
        "packed": args.packed,
        "bidirectional": args.bidirectional,
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "val_accuracy": val_acc,
        "val_loss": val_loss,
        "best_epoch": best_epoch,
        "epochs": epochs_done,
        "epochs_requested": args.epochs,
        "stopped_by_time_limit": stopped_early,
        "batch": args.batch,
        "seq_len": args.seq_len,
        "seed": args.seed,
        "train_seconds": train_seconds,
        "total_seconds": time.perf_counter() - t_all,
        "seq_per_s": seqs / train_seconds if train_seconds > 0 else None,
        "history": history,
        "data": info,
    }
    result.update(env_info(args, device))
    print(json.dumps(result), flush=True)


def run_bench(args, device):
    data, info = prepare(args)
    print("data: %s" % json.dumps(info), flush=True)
    xtr, ytr = data["train"]
    lengths_tr = lengths_of(xtr)
    loss_fn = nn.BCELoss()
    per_bs = {}
    for bs in args.batch_sizes:
        torch.manual_seed(args.seed)
        model = SpamLSTM(info["vocab_size"], args.cell, args.bidirectional).to(device)
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        nb_avail = xtr.shape[0] // bs
        bucket_rng = random.Random(args.seed)

        def packed_epoch(steps):
            """The first `steps` batches of a new epoch of bucketed batches, built before timing."""
            order = bucket_order(lengths_tr, bs, args.bucket, bucket_rng)
            return [packed_batch(xtr, ytr, lengths_tr, order[k * bs:(k + 1) * bs], device)
                    for k in range(min(steps, nb_avail))]

        # Pre-build every batch on the device before timing (no data loading in the timed
        # region). Padded: real training rows in a fixed seeded order, cycled if needed.
        # Packed: bucketed batches, a new epoch for the warm-up and for each repeat.
        if args.packed:
            steps = args.packed_steps if args.packed_steps > 0 else nb_avail
            warm = packed_epoch(args.warmup)
        else:
            steps = args.steps
            gen = torch.Generator()
            gen.manual_seed(args.seed)
            perm = torch.randperm(xtr.shape[0], generator=gen)
            need = args.warmup + args.steps * args.repeats
            batches = []
            for k in range(min(need, nb_avail)):
                idx = perm[k * bs:(k + 1) * bs]
                batches.append((xtr[idx].to(device), ytr[idx].to(device)))
            nb = len(batches)
            warm = [batches[k % nb] for k in range(args.warmup)]
        step = 0
        for xb, yb in warm:
            loss = train_step(model, opt, loss_fn, xb, yb)
            step += 1
        sync(device)
        rep_ms = []
        rep_sps = []
        rep_cpu = []
        tokens = 0
        load_start = list(os.getloadavg())
        for _ in range(args.repeats):
            if args.packed:
                timed = packed_epoch(steps)
                tokens = sum(int(xb[1].sum()) for xb, _ in timed)
            else:
                timed = [batches[(step + k) % nb] for k in range(steps)]
            sync(device)
            c0 = time.process_time()
            t0 = time.perf_counter()
            loss_sum = 0.0
            for xb, yb in timed:
                loss = train_step(model, opt, loss_fn, xb, yb)
                if args.packed:
                    loss_sum += float(loss.item())
                step += 1
            sync(device)
            dt = time.perf_counter() - t0
            # process CPU seconds per wall second; about `threads` on an idle CPU machine,
            # clearly lower when other processes are taking the cores.
            rep_cpu.append((time.process_time() - c0) / dt)
            rep_ms.append(1000.0 * dt / len(timed))
            rep_sps.append(bs * len(timed) / dt)
        # FLOPs: at the sequence length, or for packed runs at the last repeat's mean
        # tokens per message (the products the packed LSTM really computes).
        seq = args.seq_len
        if args.packed:
            seq = tokens / (bs * len(timed))
        fl = flops_per_step(bs, seq, args.cell, args.bidirectional)
        ms_med = statistics.median(rep_ms)
        r = {
            "seq_per_s": statistics.median(rep_sps),
            "seq_per_s_repeats": rep_sps,
            "ms_per_step": ms_med,
            "ms_per_step_min": min(rep_ms),
            "ms_per_step_max": max(rep_ms),
            "ms_per_step_repeats": rep_ms,
            "steps_per_repeat": len(timed),
            "final_loss": float(loss.item()),
            "cpu_util_repeats": rep_cpu,
            "loadavg_start": load_start,
            "loadavg_end": list(os.getloadavg()),
            "flops_per_step": fl,
            "gflops_per_s": fl / (ms_med / 1000.0) / 1e9,
        }
        if args.packed:
            r["mean_loss_last_repeat"] = loss_sum / len(timed)
            r["mean_tokens"] = seq
        per_bs[str(bs)] = r
        print("batch %3d  %9.1f seq/s  %8.2f ms/step (min %.2f max %.2f)  %.2f GFLOP/s  loss %.4f"
              "  cpu_util %s  load1 %.1f->%.1f"
              % (bs, r["seq_per_s"], ms_med, r["ms_per_step_min"], r["ms_per_step_max"],
                 r["gflops_per_s"], r["final_loss"],
                 "/".join("%.2f" % c for c in rep_cpu), load_start[0], r["loadavg_end"][0]),
              flush=True)
    result = {
        "mode": "bench",
        "cell": args.cell,
        "packed": args.packed,
        "bidirectional": args.bidirectional,
        "bucket": args.bucket,
        "warmup": args.warmup,
        "steps": args.steps,
        "repeats": args.repeats,
        "seq_len": args.seq_len,
        "seed": args.seed,
        "batch_sizes": per_bs,
        "data": info,
    }
    result.update(env_info(args, device))
    print(json.dumps(result), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="SMSSpamCollection file (label<TAB>text)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--seq-len", type=int, default=44)
    ap.add_argument("--batch", type=int, default=10, help="training batch size (train mode)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--time-limit", type=float, default=0,
                    help="train: start no new epoch after this many seconds (0 = no limit); "
                         "the best-validation weights so far are still tested")
    ap.add_argument("--cell", choices=["lstm", "gru", "cnn"], default="lstm",
                    help="sequence encoder: the reference LSTM, nn.GRU in its place, or the text CNN")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch.set_num_threads (OpenMP intra-op); 0 = all cores (os.cpu_count())")
    ap.add_argument("--blas-threads", type=int, default=0,
                    help="OPENBLAS_NUM_THREADS, set before torch loads unless already in the "
                         "environment; 0 = all cores")
    ap.add_argument("--omp-wait-policy", choices=["passive", "active", "default"],
                    default="passive",
                    help="OMP_WAIT_POLICY set before torch loads (unless already in the "
                         "environment); 'default' leaves it unset (libgomp spins)")
    ap.add_argument("--packed", action="store_true",
                    help="run the recurrent layers on each message's own length, with length-bucketed batches")
    ap.add_argument("--bidirectional", action="store_true",
                    help="bidirectional recurrent layers, as Ember's spamrnn --bidirectional")
    ap.add_argument("--bucket", type=int, default=32,
                    help="packed: batches sorted by length together (Ember's train.DefaultChunk)")
    ap.add_argument("--packed-steps", type=int, default=0,
                    help="bench, packed: timed steps per repeat (0 = one whole epoch of bucketed batches)")
    ap.add_argument("--bench", action="store_true", help="time training steps only")
    ap.add_argument("--batch-sizes", default="10,64", help="bench: comma-separated batch sizes")
    ap.add_argument("--warmup", type=int, default=5, help="bench: untimed steps per batch size")
    ap.add_argument("--steps", type=int, default=50, help="bench: timed steps per repeat")
    ap.add_argument("--repeats", type=int, default=3, help="bench: timed repeats")
    args = ap.parse_args(argv)
    args.batch_sizes = [int(s) for s in args.batch_sizes.split(",") if s.strip()]
    if args.packed and args.cell == "cnn":
        sys.exit("--packed applies to the recurrent cells (lstm, gru), not to the cnn")
    if args.bidirectional and args.cell == "cnn":
        sys.exit("--bidirectional applies to the recurrent cells (lstm, gru), not to the cnn")
    if args.bucket < 1:
        sys.exit("--bucket must be at least 1")

    torch.set_num_threads(args.threads if args.threads > 0 else (os.cpu_count() or 1))
    if args.device == "cuda":
        if not torch.cuda.is_available():
            sys.exit("--device cuda: CUDA is not available")
        torch.backends.cudnn.enabled = True
        torch.backends.cudnn.benchmark = False
    device = torch.device(args.device)
    torch.manual_seed(args.seed)
    if args.bench:
        run_bench(args, device)
    else:
        run_train(args, device)


if __name__ == "__main__":
    main()
