"""gemma (HF GemmaForCausalLM, Gemma 1) hand-checked oracle.

HF definition (transformers models/gemma/modeling_gemma.py):
  x = embed_tokens[ids] * sqrt(hidden_size)      (normalizer, computed in the activation dtype)
  GemmaRMSNorm(x) = x / sqrt(mean(x^2) + eps) * (1 + w)     (weights stored as w, init 0)
  per layer: h = RMSNorm(x) (input_layernorm)
             q (H heads), k, v (Hkv heads), head_dim from config (32 != hidden/heads = 8)
             q, k = RoPE rotate_half (NEOX pairing over all head_dim dims), rope_theta 10000
             attn = softmax(q k^T * head_dim^-0.5 + causal) v
             x = x + o_proj(attn)
             h = RMSNorm(x) (post_attention_layernorm)
             x = x + down(gelu_tanh(gate(h)) * up(h))   (hidden_activation = gelu_pytorch_tanh)
  logits = RMSNorm(x) @ embed_tokens^T    (always tied; embedding NOT scaled here)

Conversion (convert_hf_to_gguf.py GemmaModel): every tensor whose name ends in "norm.weight"
gets +1 (so GGUF norms are plain multiplicative RMSNorm weights); lm_head skipped (tied).
Metadata (GemmaModel.set_gguf_parameters, no super()): context_length, embedding_length,
block_count, feed_forward_length, head_count, head_count_kv, layer_norm_rms_epsilon,
key_length = value_length = head_dim, file_type.  No rope.freq_base (llama.cpp default 10000)
and no rope.dimension_count (defaults to key_length).
llama.cpp graph: src/models/gemma.cpp (inp scaled by sqrtf(n_embd); rope NEOX; Q scaled by
1/sqrt(head_dim); LLM_FFN_GELU + LLM_FFN_PAR = gelu(gate)*up; output = token_embd).
"""

import math

import numpy as np

import common as C
import gguf_io as G

ARCH = "gemma"
SEED = 3005
TOK_KV, VOCAB = C.gpt2_tokenizer_kv("gpt-2")
CFG = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=1, head_dim=32, rms_norm_eps=1e-6,
           rope_theta=10000.0, max_position_embeddings=128, hidden_activation="gelu_pytorch_tanh",
           tie_word_embeddings=True)
TOKEN_IDS = [262, 51, 257, 258, 220, 66, 64, 83, 259, 220, 70, 261]
MUTATIONS = ["norm_without_plus_one", "no_embedding_scale", "rope_norm_pairing",
             "attn_scale_hidden_over_heads", "no_causal_mask"]
INFO_MUTATIONS = ["gelu_erf", "gelu_ggml_f16"]
GGML_GELU = True      # also write logits_ggml_gelu_f16 (llama.cpp CPU GELU via F16 table)


def build(init):
    c = CFG
    H, Hkv, hd, D, F = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], \
        c["hidden_size"], c["intermediate_size"]
    w = {"model.embed_tokens.weight": init.f32("emb", (c["vocab_size"], D), 0.2),
         "model.norm.weight": init.f32("norm", (D,), 0.1)}          # around 0: used as (1 + w)
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = init.f32(p + "ln1", (D,), 0.1)
        w[p + "self_attn.q_proj.weight"] = init.f32(p + "q", (H * hd, D), 0.2)
        w[p + "self_attn.k_proj.weight"] = init.f32(p + "k", (Hkv * hd, D), 0.2)
        w[p + "self_attn.v_proj.weight"] = init.f32(p + "v", (Hkv * hd, D), 0.2)
        w[p + "self_attn.o_proj.weight"] = init.f32(p + "o", (D, H * hd), 0.2)
        w[p + "post_attention_layernorm.weight"] = init.f32(p + "ln2", (D,), 0.1)
        w[p + "mlp.gate_proj.weight"] = init.f32(p + "gate", (F, D), 0.2)
        w[p + "mlp.up_proj.weight"] = init.f32(p + "up", (F, D), 0.2)
        w[p + "mlp.down_proj.weight"] = init.f32(p + "down", (D, F), 0.2)
    return w


def gemma_norm(x, w, eps, mut=None):
    scale = w if mut == "norm_without_plus_one" else C.as_f32(1.0 + w)   # torch f32: (1.0 + w)
    return C.rms_norm(x, scale, eps)


def hf_forward(w, c, ids, mut=None):
    T = len(ids)
    H, Hkv, hd, eps = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], c["rms_norm_eps"]
    rope = C.rope_norm if mut == "rope_norm_pairing" else C.rope_neox
    act = {"gelu_erf": C.gelu_erf, "gelu_ggml_f16": C.gelu_ggml_f16}.get(mut, C.gelu_tanh)
    scale = (c["hidden_size"] // H) ** -0.5 if mut == "attn_scale_hidden_over_heads" else hd ** -0.5
    pos = np.arange(T)
    x = w["model.embed_tokens.weight"][ids]
    if mut != "no_embedding_scale":
        x = x * C.as_f32(math.sqrt(c["hidden_size"]))
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = gemma_norm(x, w[p + "input_layernorm.weight"], eps, mut)
        q = C.linear(h, w[p + "self_attn.q_proj.weight"]).reshape(T, H, hd)
        k = C.linear(h, w[p + "self_attn.k_proj.weight"]).reshape(T, Hkv, hd)
        v = C.linear(h, w[p + "self_attn.v_proj.weight"]).reshape(T, Hkv, hd)
        q, k = rope(q, pos, hd, c["rope_theta"]), rope(k, pos, hd, c["rope_theta"])
        att = C.attention(q, k, v, scale, causal=(mut != "no_causal_mask"))
        x = x + C.linear(att, w[p + "self_attn.o_proj.weight"])
        h = gemma_norm(x, w[p + "post_attention_layernorm.weight"], eps, mut)
        x = x + C.linear(act(C.linear(h, w[p + "mlp.gate_proj.weight"])) *
                         C.linear(h, w[p + "mlp.up_proj.weight"]), w[p + "mlp.down_proj.weight"])
    x = gemma_norm(x, w["model.norm.weight"], eps, mut)
    return C.linear(x, w["model.embed_tokens.weight"])


def _plus_one(name, arr):
    return C.as_f32(arr + 1.0) if name.endswith("norm.weight") else arr


def convert(w, c):
    a = ARCH
    kv = [("general.architecture", G.string(a)),
          ("general.name", G.string("handchecked-gemma")),
          (f"{a}.context_length", G.u32(c["max_position_embeddings"])),
          (f"{a}.embedding_length", G.u32(c["hidden_size"])),
          (f"{a}.block_count", G.u32(c["num_hidden_layers"])),
          (f"{a}.feed_forward_length", G.u32(c["intermediate_size"])),
          (f"{a}.attention.head_count", G.u32(c["num_attention_heads"])),
          (f"{a}.attention.head_count_kv", G.u32(c["num_key_value_heads"])),
          (f"{a}.attention.layer_norm_rms_epsilon", G.f32(c["rms_norm_eps"])),
          (f"{a}.attention.key_length", G.u32(c["head_dim"])),
          (f"{a}.attention.value_length", G.u32(c["head_dim"])),
          ("general.file_type", G.u32(0))] + TOK_KV
    t = [("token_embd.weight", w["model.embed_tokens.weight"]),
         ("output_norm.weight", _plus_one("model.norm.weight", w["model.norm.weight"]))]
    for i in range(c["num_hidden_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        t += [(b + "attn_norm.weight", _plus_one("norm.weight", w[p + "input_layernorm.weight"])),
              (b + "attn_q.weight", w[p + "self_attn.q_proj.weight"]),
              (b + "attn_k.weight", w[p + "self_attn.k_proj.weight"]),
              (b + "attn_v.weight", w[p + "self_attn.v_proj.weight"]),
              (b + "attn_output.weight", w[p + "self_attn.o_proj.weight"]),
              (b + "ffn_norm.weight", _plus_one("norm.weight", w[p + "post_attention_layernorm.weight"])),
              (b + "ffn_gate.weight", w[p + "mlp.gate_proj.weight"]),
              (b + "ffn_up.weight", w[p + "mlp.up_proj.weight"]),
              (b + "ffn_down.weight", w[p + "mlp.down_proj.weight"])]
    return kv, t


def gguf_forward(g, ids):
    """llama.cpp src/models/gemma.cpp."""
    a = ARCH
    kvv = g.kv
    D, H, Hkv = kvv[f"{a}.embedding_length"], kvv[f"{a}.attention.head_count"], kvv[f"{a}.attention.head_count_kv"]
    hd = kvv.get(f"{a}.attention.key_length", D // H)
    n_rot = kvv.get(f"{a}.rope.dimension_count", hd)
    base = kvv.get(f"{a}.rope.freq_base", 10000.0)
    eps = kvv[f"{a}.attention.layer_norm_rms_epsilon"]
    T, pos = len(ids), np.arange(len(ids))
    x = g.tensor("token_embd.weight")[ids] * C.as_f32(math.sqrt(D))
    for i in range(kvv[f"{a}.block_count"]):
        b = f"blk.{i}."
        h = C.rms_norm(x, g.tensor(b + "attn_norm.weight"), eps)
        q = C.linear(h, g.tensor(b + "attn_q.weight")).reshape(T, H, hd)
        k = C.linear(h, g.tensor(b + "attn_k.weight")).reshape(T, Hkv, hd)
        v = C.linear(h, g.tensor(b + "attn_v.weight")).reshape(T, Hkv, hd)
        q = C.rope_neox(q, pos, n_rot, base) * (1.0 / np.sqrt(hd))
        k = C.rope_neox(k, pos, n_rot, base)
        sa = C.linear(C.attention(q, k, v, 1.0), g.tensor(b + "attn_output.weight")) + x
        h = C.rms_norm(sa, g.tensor(b + "ffn_norm.weight"), eps)
        x = sa + C.linear(C.gelu_tanh(C.linear(h, g.tensor(b + "ffn_gate.weight"))) *
                          C.linear(h, g.tensor(b + "ffn_up.weight")), g.tensor(b + "ffn_down.weight"))
    x = C.rms_norm(x, g.tensor("output_norm.weight"), eps)
    return C.linear(x, g.tensor("token_embd.weight"))


def make(out_dir=C.OUT_DIR):
    return C.run_causal_lm(__import__(__name__), out_dir)


if __name__ == "__main__":
    make()
