"""phi3 (HF Phi3ForCausalLM) hand-checked oracle.

HF definition (transformers models/phi3/modeling_phi3.py):
  x = embed_tokens[ids]
  per layer: h = RMSNorm(x) (input_layernorm)
             qkv = qkv_proj(h)  rows: [q: H*hd | k: Hkv*hd | v: Hkv*hd]
             q, k = RoPE rotate_half (NEOX pairing), rotary dim = hd * partial_rotary_factor (1.0)
             attn = softmax(q k^T * hd^-0.5 + causal) v  (GQA)
             x = x + o_proj(attn)
             gu = gate_up_proj(RMSNorm(x)) (post_attention_layernorm); gate, up = gu.chunk(2)
             x = x + down_proj(up * silu(gate))            (first half = gate)
  logits = lm_head(RMSNorm(x))  (untied)

Conversion (convert_hf_to_gguf.py Phi3MiniModel): qkv_proj -> blk.N.attn_qkv (kept fused),
gate_up_proj -> blk.N.ffn_up (kept fused, 2*n_ff rows), no permutation.  Metadata: context_length,
rope.scaling.original_context_length, embedding_length, feed_forward_length, block_count,
head_count, head_count_kv, layer_norm_rms_epsilon, rope.dimension_count = n_embd/n_head,
rope.freq_base, file_type, attention.sliding_window (0 when the HF config has none).
No rope_factors_long/short tensors (rope_scaling is None).
llama.cpp graph: src/models/phi3.cpp (rope_type NEOX; Q pre-scaled by 1/sqrt(hd); LLM_FFN_SWIGLU
on the fused ffn_up: silu(first half) * second half).
"""

import numpy as np

import common as C
import gguf_io as G

ARCH = "phi3"
SEED = 3004
TOK_KV, VOCAB = C.gpt2_tokenizer_kv("gpt-2")
CFG = dict(vocab_size=VOCAB, hidden_size=48, intermediate_size=64, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, rope_theta=10000.0,
           max_position_embeddings=128, original_max_position_embeddings=128,
           partial_rotary_factor=1.0, rope_scaling=None, sliding_window=None,
           tie_word_embeddings=False, hidden_act="silu")
TOKEN_IDS = [262, 51, 257, 258, 220, 66, 64, 83, 259, 220, 70, 261]
MUTATIONS = ["rope_norm_pairing", "gate_up_swapped", "k_v_swapped", "no_causal_mask"]


def _dims(c):
    H, Hkv, D = c["num_attention_heads"], c["num_key_value_heads"], c["hidden_size"]
    return H, Hkv, D // H, D, c["intermediate_size"]


def build(init):
    c = CFG
    H, Hkv, hd, D, F = _dims(c)
    w = {"model.embed_tokens.weight": init.f32("emb", (c["vocab_size"], D), 0.5),
         "model.norm.weight": init.f32("norm", (D,), 0.1, 1.0),
         "lm_head.weight": init.f32("lm_head", (c["vocab_size"], D), 0.2)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = init.f32(p + "ln1", (D,), 0.1, 1.0)
        w[p + "self_attn.qkv_proj.weight"] = init.f32(p + "qkv", ((H + 2 * Hkv) * hd, D), 0.2)
        w[p + "self_attn.o_proj.weight"] = init.f32(p + "o", (D, H * hd), 0.2)
        w[p + "post_attention_layernorm.weight"] = init.f32(p + "ln2", (D,), 0.1, 1.0)
        w[p + "mlp.gate_up_proj.weight"] = init.f32(p + "gate_up", (2 * F, D), 0.2)
        w[p + "mlp.down_proj.weight"] = init.f32(p + "down", (D, F), 0.2)
    return w


def hf_forward(w, c, ids, mut=None):
    T = len(ids)
    H, Hkv, hd, D, F = _dims(c)
    eps, base = c["rms_norm_eps"], c["rope_theta"]
    n_rot = int(hd * c["partial_rotary_factor"])
    rope = C.rope_norm if mut == "rope_norm_pairing" else C.rope_neox
    pos = np.arange(T)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = C.rms_norm(x, w[p + "input_layernorm.weight"], eps)
        qkv = C.linear(h, w[p + "self_attn.qkv_proj.weight"])
        q = qkv[:, :H * hd].reshape(T, H, hd)
        k = qkv[:, H * hd:(H + Hkv) * hd].reshape(T, Hkv, hd)
        v = qkv[:, (H + Hkv) * hd:].reshape(T, Hkv, hd)
        if mut == "k_v_swapped":
            k, v = v, k
        q, k = rope(q, pos, n_rot, base), rope(k, pos, n_rot, base)
        att = C.attention(q, k, v, hd ** -0.5, causal=(mut != "no_causal_mask"))
        x = x + C.linear(att, w[p + "self_attn.o_proj.weight"])
        h = C.rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        gu = C.linear(h, w[p + "mlp.gate_up_proj.weight"])
        gate, up = gu[:, :F], gu[:, F:]
        if mut == "gate_up_swapped":
            gate, up = up, gate
        x = x + C.linear(up * C.silu(gate), w[p + "mlp.down_proj.weight"])
    x = C.rms_norm(x, w["model.norm.weight"], eps)
    return C.linear(x, w["lm_head.weight"])


def convert(w, c):
    a = ARCH
    H, Hkv, hd, D, F = _dims(c)
    rope_dims = int(c["partial_rotary_factor"] * D) // H
    kv = [("general.architecture", G.string(a)),
          ("general.name", G.string("handchecked-phi3")),
          (f"{a}.context_length", G.u32(c["max_position_embeddings"])),
          (f"{a}.rope.scaling.original_context_length", G.u32(c["original_max_position_embeddings"])),
          (f"{a}.embedding_length", G.u32(D)),
          (f"{a}.feed_forward_length", G.u32(F)),
          (f"{a}.block_count", G.u32(c["num_hidden_layers"])),
          (f"{a}.attention.head_count", G.u32(H)),
          (f"{a}.attention.head_count_kv", G.u32(Hkv)),
          (f"{a}.attention.layer_norm_rms_epsilon", G.f32(c["rms_norm_eps"])),
          (f"{a}.rope.dimension_count", G.u32(rope_dims)),
          (f"{a}.rope.freq_base", G.f32(c["rope_theta"])),
          ("general.file_type", G.u32(0)),
          (f"{a}.attention.sliding_window", G.u32(c["sliding_window"] or 0))] + TOK_KV
    t = [("token_embd.weight", w["model.embed_tokens.weight"]),
         ("output_norm.weight", w["model.norm.weight"]),
         ("output.weight", w["lm_head.weight"])]
    for i in range(c["num_hidden_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        t += [(b + "attn_norm.weight", w[p + "input_layernorm.weight"]),
              (b + "attn_qkv.weight", w[p + "self_attn.qkv_proj.weight"]),
              (b + "attn_output.weight", w[p + "self_attn.o_proj.weight"]),
              (b + "ffn_norm.weight", w[p + "post_attention_layernorm.weight"]),
              (b + "ffn_up.weight", w[p + "mlp.gate_up_proj.weight"]),
              (b + "ffn_down.weight", w[p + "mlp.down_proj.weight"])]
    return kv, t


def gguf_forward(g, ids):
    """llama.cpp src/models/phi3.cpp (fused attn_qkv split as views [q | k | v])."""
    a = ARCH
    kvv = g.kv
    D, H, Hkv = kvv[f"{a}.embedding_length"], kvv[f"{a}.attention.head_count"], kvv[f"{a}.attention.head_count_kv"]
    hd = kvv.get(f"{a}.attention.key_length", D // H)
    n_rot = kvv.get(f"{a}.rope.dimension_count", hd)
    base = kvv.get(f"{a}.rope.freq_base", 10000.0)
    eps = kvv[f"{a}.attention.layer_norm_rms_epsilon"]
    F = kvv[f"{a}.feed_forward_length"]
    T, pos = len(ids), np.arange(len(ids))
    x = g.tensor("token_embd.weight")[ids]
    for i in range(kvv[f"{a}.block_count"]):
        b = f"blk.{i}."
        h = C.rms_norm(x, g.tensor(b + "attn_norm.weight"), eps)
        qkv = C.linear(h, g.tensor(b + "attn_qkv.weight"))
        q = qkv[:, :D].reshape(T, H, hd)
        k = qkv[:, D:D + Hkv * hd].reshape(T, Hkv, hd)
        v = qkv[:, D + Hkv * hd:].reshape(T, Hkv, hd)
        q = C.rope_neox(q, pos, n_rot, base) * (1.0 / np.sqrt(hd))
        k = C.rope_neox(k, pos, n_rot, base)
        x = x + C.linear(C.attention(q, k, v, 1.0), g.tensor(b + "attn_output.weight"))
        h = C.rms_norm(x, g.tensor(b + "ffn_norm.weight"), eps)
        gu = C.linear(h, g.tensor(b + "ffn_up.weight"))
        x = x + C.linear(C.silu(gu[:, :F]) * gu[:, F:], g.tensor(b + "ffn_down.weight"))
    x = C.rms_norm(x, g.tensor("output_norm.weight"), eps)
    return C.linear(x, g.tensor("output.weight"))


def make(out_dir=C.OUT_DIR):
    return C.run_causal_lm(__import__(__name__), out_dir)


if __name__ == "__main__":
    make()
