"""qwen3 (HF Qwen3ForCausalLM) hand-checked oracle.

HF definition (transformers models/qwen3/modeling_qwen3.py):
  x = embed_tokens[ids]
  per layer: h = RMSNorm(x) (input_layernorm)
             q = q_proj(h) -> (T, H, hd); q = RMSNorm_hd(q) (q_norm, over head_dim)  } before RoPE
             k = k_proj(h) -> (T, Hkv, hd); k = RMSNorm_hd(k) (k_norm)                }
             q, k = RoPE rotate_half (NEOX pairing i, i+hd/2), theta = rope_theta
             attn = softmax(q k^T * hd^-0.5 + causal) v   (GQA: repeat_kv)
             x = x + o_proj(attn)
             x = x + down(silu(gate(RMSNorm(x))) * up(RMSNorm(x)))   (post_attention_layernorm)
  logits = lm_head(RMSNorm(x)); tie_word_embeddings=True -> lm_head = embed_tokens
  No q/k/v bias (attention_bias=False). head_dim is its own config field (16 != hidden/heads = 8).

Conversion (convert_hf_to_gguf.py Qwen3Model <- Qwen2Model <- TextModel): no Q/K permutation;
metadata = TextModel.set_gguf_parameters (block_count, context_length, embedding_length,
feed_forward_length, head_count, head_count_kv, rope.freq_base, layer_norm_rms_epsilon,
key_length/value_length from head_dim, file_type).  NO rope.dimension_count is written:
llama.cpp defaults n_rot to key_length.  Tied model: no output.weight tensor.
llama.cpp graph: src/models/qwen3.cpp (rope_type NEOX; attn_q_norm/attn_k_norm = RMS over head_dim).
"""

import numpy as np

import common as C
import gguf_io as G

ARCH = "qwen3"
SEED = 3003
TOK_KV, VOCAB = C.gpt2_tokenizer_kv("qwen2")
CFG = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-6,
           rope_theta=1000000.0, max_position_embeddings=128, tie_word_embeddings=True,
           attention_bias=False, hidden_act="silu")
TOKEN_IDS = [262, 51, 257, 258, 220, 66, 64, 83, 259, 220, 70, 261]
MUTATIONS = ["rope_norm_pairing", "no_qk_norm", "qk_norm_after_rope", "no_causal_mask",
             "rope_theta_1e4"]


def build(init):
    c = CFG
    H, hd, Hkv, D, F = c["num_attention_heads"], c["head_dim"], c["num_key_value_heads"], \
        c["hidden_size"], c["intermediate_size"]
    w = {"model.embed_tokens.weight": init.f32("emb", (c["vocab_size"], D), 0.5),
         "model.norm.weight": init.f32("norm", (D,), 0.1, 1.0)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = init.f32(p + "ln1", (D,), 0.1, 1.0)
        w[p + "self_attn.q_proj.weight"] = init.f32(p + "q", (H * hd, D), 0.2)
        w[p + "self_attn.k_proj.weight"] = init.f32(p + "k", (Hkv * hd, D), 0.2)
        w[p + "self_attn.v_proj.weight"] = init.f32(p + "v", (Hkv * hd, D), 0.2)
        w[p + "self_attn.o_proj.weight"] = init.f32(p + "o", (D, H * hd), 0.2)
        w[p + "self_attn.q_norm.weight"] = init.f32(p + "qn", (hd,), 0.2, 1.0)
        w[p + "self_attn.k_norm.weight"] = init.f32(p + "kn", (hd,), 0.2, 1.0)
        w[p + "post_attention_layernorm.weight"] = init.f32(p + "ln2", (D,), 0.1, 1.0)
        w[p + "mlp.gate_proj.weight"] = init.f32(p + "gate", (F, D), 0.2)
        w[p + "mlp.up_proj.weight"] = init.f32(p + "up", (F, D), 0.2)
        w[p + "mlp.down_proj.weight"] = init.f32(p + "down", (D, F), 0.2)
    return w


def hf_forward(w, c, ids, mut=None):
    T = len(ids)
    H, hd, Hkv, eps = c["num_attention_heads"], c["head_dim"], c["num_key_value_heads"], c["rms_norm_eps"]
    base = 1e4 if mut == "rope_theta_1e4" else c["rope_theta"]
    rope = C.rope_norm if mut == "rope_norm_pairing" else C.rope_neox
    pos = np.arange(T)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = C.rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = C.linear(h, w[p + "self_attn.q_proj.weight"]).reshape(T, H, hd)
        k = C.linear(h, w[p + "self_attn.k_proj.weight"]).reshape(T, Hkv, hd)
        v = C.linear(h, w[p + "self_attn.v_proj.weight"]).reshape(T, Hkv, hd)
        if mut == "qk_norm_after_rope":
            q, k = rope(q, pos, hd, base), rope(k, pos, hd, base)
        if mut != "no_qk_norm":
            q = C.rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = C.rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        if mut != "qk_norm_after_rope":
            q, k = rope(q, pos, hd, base), rope(k, pos, hd, base)
        att = C.attention(q, k, v, hd ** -0.5, causal=(mut != "no_causal_mask"))
        x = x + C.linear(att, w[p + "self_attn.o_proj.weight"])
        h = C.rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + C.linear(C.silu(C.linear(h, w[p + "mlp.gate_proj.weight"])) *
                         C.linear(h, w[p + "mlp.up_proj.weight"]), w[p + "mlp.down_proj.weight"])
    x = C.rms_norm(x, w["model.norm.weight"], eps)
    return C.linear(x, w["model.embed_tokens.weight"])        # tied lm_head


def convert(w, c):
    a = ARCH
    kv = [("general.architecture", G.string(a)),
          ("general.name", G.string("handchecked-qwen3")),
          (f"{a}.block_count", G.u32(c["num_hidden_layers"])),
          (f"{a}.context_length", G.u32(c["max_position_embeddings"])),
          (f"{a}.embedding_length", G.u32(c["hidden_size"])),
          (f"{a}.feed_forward_length", G.u32(c["intermediate_size"])),
          (f"{a}.attention.head_count", G.u32(c["num_attention_heads"])),
          (f"{a}.attention.head_count_kv", G.u32(c["num_key_value_heads"])),
          (f"{a}.rope.freq_base", G.f32(c["rope_theta"])),
          (f"{a}.attention.layer_norm_rms_epsilon", G.f32(c["rms_norm_eps"])),
          (f"{a}.attention.key_length", G.u32(c["head_dim"])),
          (f"{a}.attention.value_length", G.u32(c["head_dim"])),
          ("general.file_type", G.u32(0))] + TOK_KV
    t = [("token_embd.weight", w["model.embed_tokens.weight"]),
         ("output_norm.weight", w["model.norm.weight"])]
    for i in range(c["num_hidden_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        t += [(b + "attn_norm.weight", w[p + "input_layernorm.weight"]),
              (b + "attn_q.weight", w[p + "self_attn.q_proj.weight"]),
              (b + "attn_k.weight", w[p + "self_attn.k_proj.weight"]),
              (b + "attn_v.weight", w[p + "self_attn.v_proj.weight"]),
              (b + "attn_output.weight", w[p + "self_attn.o_proj.weight"]),
              (b + "attn_q_norm.weight", w[p + "self_attn.q_norm.weight"]),
              (b + "attn_k_norm.weight", w[p + "self_attn.k_norm.weight"]),
              (b + "ffn_norm.weight", w[p + "post_attention_layernorm.weight"]),
              (b + "ffn_gate.weight", w[p + "mlp.gate_proj.weight"]),
              (b + "ffn_up.weight", w[p + "mlp.up_proj.weight"]),
              (b + "ffn_down.weight", w[p + "mlp.down_proj.weight"])]
    return kv, t


def gguf_forward(g, ids):
    """llama.cpp src/models/qwen3.cpp, reading only the GGUF."""
    a = ARCH
    kvv = g.kv
    n_embd, H, Hkv = kvv[f"{a}.embedding_length"], kvv[f"{a}.attention.head_count"], kvv[f"{a}.attention.head_count_kv"]
    hd = kvv.get(f"{a}.attention.key_length", n_embd // H)
    n_rot = kvv.get(f"{a}.rope.dimension_count", hd)
    base = kvv.get(f"{a}.rope.freq_base", 10000.0)
    eps = kvv[f"{a}.attention.layer_norm_rms_epsilon"]
    T, pos = len(ids), np.arange(len(ids))
    x = g.tensor("token_embd.weight")[ids]
    for i in range(kvv[f"{a}.block_count"]):
        b = f"blk.{i}."
        h = C.rms_norm(x, g.tensor(b + "attn_norm.weight"), eps)
        q = C.linear(h, g.tensor(b + "attn_q.weight")).reshape(T, H, hd)
        k = C.linear(h, g.tensor(b + "attn_k.weight")).reshape(T, Hkv, hd)
        v = C.linear(h, g.tensor(b + "attn_v.weight")).reshape(T, Hkv, hd)
        q = C.rope_neox(C.rms_norm(q, g.tensor(b + "attn_q_norm.weight"), eps), pos, n_rot, base)
        k = C.rope_neox(C.rms_norm(k, g.tensor(b + "attn_k_norm.weight"), eps), pos, n_rot, base)
        x = x + C.linear(C.attention(q, k, v, 1.0 / np.sqrt(hd)), g.tensor(b + "attn_output.weight"))
        h = C.rms_norm(x, g.tensor(b + "ffn_norm.weight"), eps)
        x = x + C.linear(C.silu(C.linear(h, g.tensor(b + "ffn_gate.weight"))) *
                         C.linear(h, g.tensor(b + "ffn_up.weight")), g.tensor(b + "ffn_down.weight"))
    x = C.rms_norm(x, g.tensor("output_norm.weight"), eps)
    out = g.tensor("output.weight") if g.has("output.weight") else g.tensor("token_embd.weight")
    return C.linear(x, out)


def make(out_dir=C.OUT_DIR):
    return C.run_causal_lm(__import__(__name__), out_dir)


if __name__ == "__main__":
    make()
