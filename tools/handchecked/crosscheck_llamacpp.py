"""Cross-check of the numpy conventions against real llama.cpp output.

Reads /work/shared/models/random-{qwen2,chatglm}-f32.gguf with our own GGUF reader,
runs a numpy forward pass that follows llama.cpp's graph for the arch, and compares
with llama.cpp's reference logits in /work/shared/reference/llama.cpp/*.p{1,2,3}.json.

For chatglm it tries every RoPE pairing variant and reports which one reproduces
llama.cpp (expected: NORM = interleaved pairs (2i, 2i+1) on the first n_rot dims).

Usage: python3 tools/handchecked/crosscheck_llamacpp.py   (exit status 1 on mismatch)
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common as C  # noqa: E402
from gguf_io import GGUFFile  # noqa: E402

MODELS = "/work/shared/models"
REFS = "/work/shared/reference/llama.cpp"
TOL = 1e-4


def qwen2_forward(g, ids, rope=C.rope_neox):
    a = "qwen2"
    n_embd = g.kv[f"{a}.embedding_length"]
    n_head = g.kv[f"{a}.attention.head_count"]
    n_kv = g.kv[f"{a}.attention.head_count_kv"]
    hd = n_embd // n_head
    n_rot = g.kv.get(f"{a}.rope.dimension_count", hd)
    base = g.kv.get(f"{a}.rope.freq_base", 10000.0)
    eps = g.kv[f"{a}.attention.layer_norm_rms_epsilon"]
    T = len(ids)
    pos = np.arange(T)
    x = g.tensor("token_embd.weight")[ids]            # (vocab, n_embd) -> rows
    for il in range(g.kv[f"{a}.block_count"]):
        p = f"blk.{il}."
        h = C.rms_norm(x, g.tensor(p + "attn_norm.weight"), eps)
        q = C.linear(h, g.tensor(p + "attn_q.weight"), g.tensor(p + "attn_q.bias")).reshape(T, n_head, hd)
        k = C.linear(h, g.tensor(p + "attn_k.weight"), g.tensor(p + "attn_k.bias")).reshape(T, n_kv, hd)
        v = C.linear(h, g.tensor(p + "attn_v.weight"), g.tensor(p + "attn_v.bias")).reshape(T, n_kv, hd)
        q = rope(q, pos, n_rot, base)
        k = rope(k, pos, n_rot, base)
        att = C.attention(q, k, v, 1.0 / np.sqrt(hd))
        x = x + C.linear(att, g.tensor(p + "attn_output.weight"))
        h = C.rms_norm(x, g.tensor(p + "ffn_norm.weight"), eps)
        ff = C.silu(C.linear(h, g.tensor(p + "ffn_gate.weight"))) * C.linear(h, g.tensor(p + "ffn_up.weight"))
        x = x + C.linear(ff, g.tensor(p + "ffn_down.weight"))
    x = C.rms_norm(x, g.tensor("output_norm.weight"), eps)
    w_out = g.tensor("output.weight") if g.has("output.weight") else g.tensor("token_embd.weight")
    return C.linear(x, w_out)


def rope_neox_tail(x, pos, n_rot, base):
    """variant: NEOX pairing but on the LAST n_rot dims (a wrong guess, for the report)."""
    D = x.shape[-1]
    y = np.concatenate([x[..., D - n_rot:], x[..., :D - n_rot]], axis=-1)
    y = C.rope_neox(y, pos, n_rot, base)
    return np.concatenate([y[..., n_rot:], y[..., :n_rot]], axis=-1)


def rope_norm_full(x, pos, n_rot, base):
    """variant: interleaved pairs over the whole head (ignoring rope.dimension_count)."""
    return C.rope_norm(x, pos, x.shape[-1], base)


def chatglm_forward(g, ids, rope=C.rope_norm):
    a = "chatglm"
    n_embd = g.kv[f"{a}.embedding_length"]
    n_head = g.kv[f"{a}.attention.head_count"]
    n_kv = g.kv[f"{a}.attention.head_count_kv"]
    hd = n_embd // n_head
    n_rot = g.kv.get(f"{a}.rope.dimension_count", hd)
    base = g.kv.get(f"{a}.rope.freq_base", 10000.0)
    eps = g.kv[f"{a}.attention.layer_norm_rms_epsilon"]
    n_ff = g.kv[f"{a}.feed_forward_length"]
    T = len(ids)
    pos = np.arange(T)
    x = g.tensor("token_embd.weight")[ids]
    for il in range(g.kv[f"{a}.block_count"]):
        p = f"blk.{il}."
        h = C.rms_norm(x, g.tensor(p + "attn_norm.weight"), eps)
        qkv = C.linear(h, g.tensor(p + "attn_qkv.weight"), g.tensor(p + "attn_qkv.bias"))
        q = qkv[:, :n_embd].reshape(T, n_head, hd)
        k = qkv[:, n_embd:n_embd + n_kv * hd].reshape(T, n_kv, hd)
        v = qkv[:, n_embd + n_kv * hd:].reshape(T, n_kv, hd)
        q = rope(q, pos, n_rot, base)
        k = rope(k, pos, n_rot, base)
        att = C.attention(q, k, v, 1.0 / np.sqrt(hd))
        x = x + C.linear(att, g.tensor(p + "attn_output.weight"))
        h = C.rms_norm(x, g.tensor(p + "ffn_norm.weight"), eps)
        gu = C.linear(h, g.tensor(p + "ffn_up.weight"))          # (T, 2*n_ff): [gate | up]
        ff = C.silu(gu[:, :n_ff]) * gu[:, n_ff:]
        x = x + C.linear(ff, g.tensor(p + "ffn_down.weight"))
    x = C.rms_norm(x, g.tensor("output_norm.weight"), eps)
    return C.linear(x, g.tensor("output.weight"))


def compare(name, forward, variants):
    g = GGUFFile(os.path.join(MODELS, f"{name}.gguf"))
    results = {}
    for vname, rope in variants:
        worst = 0.0
        for pn in (1, 2, 3):
            ref = json.load(open(os.path.join(REFS, f"{name}.p{pn}.json")))
            ids = ref["prompt_ids"]
            want = np.array(ref["prompt_logits"], dtype=np.float64)
            got = forward(g, ids, rope)
            worst = max(worst, float(np.max(np.abs(got - want))))
        results[vname] = worst
        print(f"  {name:20s} rope={vname:28s} max|logit diff| over p1,p2,p3 (all positions) = {worst:.3e}")
    return results


def main():
    ok = True
    print("qwen2 (llama.cpp: LLAMA_ROPE_TYPE_NEOX)")
    r = compare("random-qwen2-f32", qwen2_forward,
                [("NEOX (i, i+n_rot/2)", C.rope_neox), ("NORM (2i, 2i+1)", C.rope_norm)])
    ok &= r["NEOX (i, i+n_rot/2)"] < TOL
    print("chatglm (llama.cpp: LLAMA_ROPE_TYPE_NORM, rope.dimension_count=32 of head 64)")
    r = compare("random-chatglm-f32", chatglm_forward,
                [("NORM (2i,2i+1) first n_rot", C.rope_norm),
                 ("NEOX (i,i+n_rot/2) first n_rot", C.rope_neox),
                 ("NEOX on last n_rot dims", rope_neox_tail),
                 ("NORM over whole head", rope_norm_full)])
    ok &= r["NORM (2i,2i+1) first n_rot"] < TOL
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
