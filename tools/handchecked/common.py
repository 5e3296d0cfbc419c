"""Shared numpy building blocks for the hand-checked oracles (float64 throughout)."""

from __future__ import annotations

import json
import math
import os

import numpy as np

import gguf_io as G

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(REPO, "caravel-model", "src", "test", "resources", "handchecked")

# --------------------------------------------------------------------------- random weights


class Init:
    """Deterministic weight factory: every tensor is drawn from its own PCG64 stream,
    seeded by (arch seed, tensor name), so adding a tensor never shifts the others."""

    def __init__(self, seed):
        self.seed = seed

    def _rng(self, name):
        h = 0
        for ch in name.encode("utf-8"):          # stable (unlike hash())
            h = (h * 131 + ch) % (1 << 61)
        return np.random.default_rng([self.seed, h])

    def normal(self, name, shape, std=0.05, mean=0.0):
        return mean + std * self._rng(name).standard_normal(shape)

    def f32(self, name, shape, std=0.05, mean=0.0):
        """float32-representable values (what the F32 GGUF stores) as float64."""
        return self.normal(name, shape, std, mean).astype(np.float32).astype(np.float64)


def as_f32(a):
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


# --------------------------------------------------------------------------- ops


def rms_norm(x, w, eps):
    """HF LlamaRMSNorm / ggml_rms_norm * w : x / sqrt(mean(x^2) + eps) * w (last axis)."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def layer_norm(x, w, b, eps):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_tanh(x):
    """HF 'gelu_pytorch_tanh' / 'gelu_new'; also the formula of ggml_gelu."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_ggml_f16(x):
    """GELU exactly as ggml's CPU backend computes it (ggml-cpu vec.h, GGML_GELU_FP16):
    x <= -10 -> 0, x >= 10 -> x, otherwise the input is rounded to F16 and looked up in a
    table holding F16(gelu_tanh(x)).  Differs from gelu_tanh by up to ~1e-3 relative."""
    x32 = np.asarray(x, dtype=np.float64).astype(np.float32)
    xh = x32.astype(np.float16).astype(np.float64)
    y = gelu_tanh(xh).astype(np.float32).astype(np.float16).astype(np.float64)
    y = np.where(x32 <= -10.0, 0.0, y)
    return np.where(x32 >= 10.0, x32.astype(np.float64), y)


def gelu_erf(x):
    """HF 'gelu' (exact, erf based)."""
    from math import erf
    v = np.vectorize(erf)
    return 0.5 * x * (1.0 + v(x / math.sqrt(2.0)))


def inv_freq(n_rot, base):
    """base^(-2i/n_rot), i = 0 .. n_rot/2-1  (HF _compute_default_rope_parameters)."""
    return 1.0 / (base ** (np.arange(0, n_rot, 2, dtype=np.float64) / n_rot))


def rope_neox(x, pos, n_rot, base):
    """HF rotate_half RoPE == llama.cpp LLAMA_ROPE_TYPE_NEOX.
    x: (T, H, D). Rotates pairs (i, i + n_rot/2) of the first n_rot dims."""
    half = n_rot // 2
    ang = np.outer(pos, inv_freq(n_rot, base))          # (T, half)
    c = np.cos(ang)[:, None, :]
    s = np.sin(ang)[:, None, :]
    out = x.copy()
    x1 = x[..., :half]
    x2 = x[..., half:n_rot]
    out[..., :half] = x1 * c - x2 * s
    out[..., half:n_rot] = x2 * c + x1 * s
    return out


def rope_norm(x, pos, n_rot, base):
    """Interleaved RoPE (GLM's rotate_half on x[0::2], x[1::2]; Meta llama) ==
    llama.cpp LLAMA_ROPE_TYPE_NORM. Rotates pairs (2i, 2i+1) of the first n_rot dims."""
    ang = np.outer(pos, inv_freq(n_rot, base))
    c = np.cos(ang)[:, None, :]
    s = np.sin(ang)[:, None, :]
    out = x.copy()
    x0 = x[..., 0:n_rot:2]
    x1 = x[..., 1:n_rot:2]
    out[..., 0:n_rot:2] = x0 * c - x1 * s
    out[..., 1:n_rot:2] = x1 * c + x0 * s
    return out


def attention(q, k, v, scale, causal=True, window=None, softcap=None):
    """q: (T, Hq, D), k/v: (T, Hkv, D). GQA: query head h reads kv head h // (Hq/Hkv)
    (HF repeat_kv). Scores = q.k * scale, optional tanh soft-capping (before the mask),
    causal mask and optional sliding window (key j visible to query i iff i - j < window).
    Returns (T, Hq*Dv)."""
    T, Hq, D = q.shape
    Hkv = k.shape[1]
    rep = Hq // Hkv
    out = np.zeros((T, Hq, v.shape[2]))
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    allowed = np.ones((T, T), dtype=bool)
    if causal:
        allowed &= j <= i
    if window is not None:
        allowed &= (i - j) < window
    for h in range(Hq):
        kh = k[:, h // rep, :]
        vh = v[:, h // rep, :]
        s = (q[:, h, :] @ kh.T) * scale
        if softcap is not None:
            s = softcap * np.tanh(s / softcap)
        s = np.where(allowed, s, -np.inf)
        s = s - s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        out[:, h, :] = p @ vh
    return out.reshape(T, -1)


def linear(x, w, b=None):
    """torch.nn.Linear: y = x W^T + b, W of shape (out, in)."""
    y = x @ w.T
    return y if b is None else y + b


# --------------------------------------------------------------------------- tokenizers


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode map (openai/gpt-2 encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return list(zip(bs, [chr(c) for c in cs]))


# a few merges, each producing a new token from two existing ones (Ġ = byte 0x20)
_MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("e", "r"), ("a", "n")]


def gpt2_vocab(special=("<|endoftext|>",)):
    """Byte-level BPE vocabulary: 256 byte tokens (in GPT-2's order), merged tokens
    consistent with the merge list, then special (CONTROL) tokens.
    Returns (tokens, token_types, merges, special_ids)."""
    tokens = [ch for _, ch in bytes_to_unicode()]
    types = [1] * len(tokens)                      # 1 = NORMAL
    merges = []
    for a, b in _MERGES:
        assert a in tokens and b in tokens
        tokens.append(a + b)
        types.append(1)
        merges.append(f"{a} {b}")
    ids = {}
    for s in special:
        ids[s] = len(tokens)
        tokens.append(s)
        types.append(3)                            # 3 = CONTROL
    return tokens, types, merges, ids


def gpt2_tokenizer_kv(pre, bos_eos="<|endoftext|>", special=("<|endoftext|>",)):
    tokens, types, merges, ids = gpt2_vocab(special)
    kv = [
        ("tokenizer.ggml.model", G.string("gpt2")),
        ("tokenizer.ggml.pre", G.string(pre)),
        ("tokenizer.ggml.tokens", G.str_array(tokens)),
        ("tokenizer.ggml.token_type", G.i32_array(types)),
        ("tokenizer.ggml.merges", G.str_array(merges)),
        ("tokenizer.ggml.bos_token_id", G.u32(ids[bos_eos])),
        ("tokenizer.ggml.eos_token_id", G.u32(ids[bos_eos])),
    ]
    return kv, len(tokens)


# --------------------------------------------------------------------------- output


def f32_list(a):
    """float32-rounded values, written with repr of the float32 (shortest round-trip)."""
    return [float(np.float32(x)) for x in np.asarray(a).ravel()]


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def causal_check(forward, ids, rng_seed, vocab, tol=1e-12):
    """Changing tokens after position p must not change outputs at positions <= p."""
    base = forward(ids)
    rng = np.random.default_rng(rng_seed)
    worst = 0.0
    for p in range(len(ids) - 1):
        alt = list(ids)
        for j in range(p + 1, len(ids)):
            alt[j] = int(rng.integers(0, vocab))
        out = forward(alt)
        worst = max(worst, float(np.max(np.abs(out[: p + 1] - base[: p + 1]))))
        if alt[p + 1] != ids[p + 1]:
            assert np.max(np.abs(out[p + 1] - base[p + 1])) > 1e-9, "later token had no effect"
    assert worst <= tol, f"causality violated: {worst}"
    return worst


# --------------------------------------------------------------------------- pipeline


def _short(x):
    """float32 value written with 9 significant digits (round-trips float32)."""
    return float("%.9g" % float(np.float32(x)))


def rows(a):
    return [[_short(v) for v in r] for r in np.atleast_2d(a)]


def run_causal_lm(m, out_dir=OUT_DIR, verbose=True):
    """Generic pipeline for a decoder-only arch module m (see arch_*.py):
    build HF weights -> HF-definition logits -> GGUF (converter conventions) ->
    read back + llama.cpp-graph logits -> compare, causality check, mutation table ->
    write <arch>.gguf and <arch>.json."""
    from gguf_io import GGUFFile, write_gguf
    w = m.build(Init(m.SEED))
    ids = list(m.TOKEN_IDS)
    ref = m.hf_forward(w, m.CFG, ids)

    kv, tensors = m.convert(w, m.CFG)
    gpath = os.path.join(out_dir, f"{m.ARCH}.gguf")
    write_gguf(gpath, kv, tensors)
    g = GGUFFile(gpath)
    got = m.gguf_forward(g, ids)
    conv_err = float(np.max(np.abs(got - ref)))
    assert conv_err < 1e-5, f"{m.ARCH}: GGUF-side forward differs from HF forward by {conv_err}"

    causal = causal_check(lambda t: m.hf_forward(w, m.CFG, t), ids, 7, m.CFG["vocab_size"])

    muts = {}
    for name in m.MUTATIONS:
        d = float(np.max(np.abs(m.hf_forward(w, m.CFG, ids, mut=name) - ref)))
        muts[name] = d
    weak = {k: v for k, v in muts.items() if v < 1e-3}
    assert not weak, f"{m.ARCH}: fixture does not discriminate {weak}"
    for name in getattr(m, "INFO_MUTATIONS", []):          # reported, not required
        muts[name + " (info)"] = float(np.max(np.abs(m.hf_forward(w, m.CFG, ids, mut=name) - ref)))

    obj = {"arch": m.ARCH, "token_ids": ids, "n_vocab": int(ref.shape[1]),
           "hf_config": m.CFG, "logits": rows(ref)}
    if getattr(m, "GGML_GELU", False):
        # same model, GELU computed as llama.cpp's CPU backend does (F16 table)
        obj["logits_ggml_gelu_f16"] = rows(m.hf_forward(w, m.CFG, ids, mut="gelu_ggml_f16"))
    jpath = os.path.join(out_dir, f"{m.ARCH}.json")
    write_json(jpath, obj)
    summary = {"arch": m.ARCH, "gguf_bytes": os.path.getsize(gpath),
               "json_bytes": os.path.getsize(jpath), "gguf_vs_hf": conv_err,
               "causal_leak": causal, "logit_absmax": float(np.max(np.abs(ref))),
               "mutations": muts}
    if verbose:
        print_summary(summary)
    return summary


def print_summary(s):
    print(f"[{s['arch']}] gguf {s['gguf_bytes']} B, json {s['json_bytes']} B, "
          f"llama.cpp-graph(GGUF) vs HF-definition max|diff| = {s['gguf_vs_hf']:.2e}, "
          f"causal leak = {s.get('causal_leak', 0):.1e}, |logit|max = {s.get('logit_absmax', 0):.3f}")
    for k, v in s["mutations"].items():
        print(f"    mutation {k:40s} changes output by up to {v:.3e}")
