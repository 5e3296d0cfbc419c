"""glm4 (HF Glm4ForCausalLM, GLM-4-0414) hand-checked oracle.

HF definition (transformers models/glm4/modeling_glm4.py):
  x = embed_tokens[ids]
  per layer: r = x
             h = RMSNorm(x) (input_layernorm)
             q, k, v = q/k/v_proj(h) WITH bias (attention_bias=True)
             partial RoPE: rotary_dim = head_dim * partial_rotary_factor (0.5);
               inv_freq = theta^(-2i/rotary_dim); cos/sin repeat_interleave(2) and
               rotate_half(x) = stack(-x[1::2], x[0::2])  -> INTERLEAVED pairs (2i, 2i+1)
               on the first rotary_dim dims of each head; the rest passes through
             a = o_proj(softmax(q k^T * head_dim^-0.5 + causal) v)   (no o bias)
             x = r + RMSNorm(a)                    (post_self_attn_layernorm)
             h = RMSNorm(x)                        (post_attention_layernorm = the PRE-MLP norm)
             gate, up = gate_up_proj(h).chunk(2);  m = down_proj(up * silu(gate))
             x = x + RMSNorm(m)                    (post_mlp_layernorm)
  logits = lm_head(RMSNorm(x))   (untied)

Conversion (convert_hf_to_gguf.py Glm4Model; no Q/K permutation for the text model):
  q/k/v_proj -> attn_q/k/v (.weight, .bias), o_proj -> attn_output, gate_up_proj -> ffn_up
  (fused, 2*n_ff rows, first half = gate), input_layernorm -> attn_norm,
  post_self_attn_layernorm -> post_attention_norm, post_attention_layernorm -> ffn_norm,
  post_mlp_layernorm -> post_ffw_norm, model.norm -> output_norm, lm_head -> output.
  Metadata: TextModel params (incl. rope.freq_base, key/value_length from head_dim) +
  rope.dimension_count = head_dim * partial_rotary_factor.
llama.cpp graph: src/models/glm4.cpp, rope_type NORM (interleaved) with n_rot = 6 of head 12.
"""

import numpy as np

import common as C
import gguf_io as G

ARCH = "glm4"
SEED = 3007
TOK_KV, VOCAB = C.gpt2_tokenizer_kv("glm4")
CFG = dict(vocab_size=VOCAB, hidden_size=48, intermediate_size=64, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=2, head_dim=12, partial_rotary_factor=0.5,
           attention_bias=True, rms_norm_eps=1e-5, rope_theta=10000.0,
           max_position_embeddings=128, tie_word_embeddings=False, hidden_act="silu")
TOKEN_IDS = [262, 51, 257, 258, 220, 66, 64, 83, 259, 220, 70, 261]
MUTATIONS = ["rope_neox_pairing", "rope_full_head", "no_qkv_bias", "no_post_norms",
             "ffn_norm_and_attn_post_norm_swapped", "gate_up_swapped", "no_causal_mask"]


def build(init):
    c = CFG
    H, Hkv, hd, D, F = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], \
        c["hidden_size"], c["intermediate_size"]
    w = {"model.embed_tokens.weight": init.f32("emb", (c["vocab_size"], D), 0.5),
         "model.norm.weight": init.f32("norm", (D,), 0.1, 1.0),
         "lm_head.weight": init.f32("lm_head", (c["vocab_size"], D), 0.2)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for n in ("input_layernorm", "post_self_attn_layernorm", "post_attention_layernorm",
                  "post_mlp_layernorm"):
            w[p + n + ".weight"] = init.f32(p + n, (D,), 0.2, 1.0)
        w[p + "self_attn.q_proj.weight"] = init.f32(p + "q", (H * hd, D), 0.3)
        w[p + "self_attn.q_proj.bias"] = init.f32(p + "qb", (H * hd,), 0.3)
        w[p + "self_attn.k_proj.weight"] = init.f32(p + "k", (Hkv * hd, D), 0.3)
        w[p + "self_attn.k_proj.bias"] = init.f32(p + "kb", (Hkv * hd,), 0.3)
        w[p + "self_attn.v_proj.weight"] = init.f32(p + "v", (Hkv * hd, D), 0.2)
        w[p + "self_attn.v_proj.bias"] = init.f32(p + "vb", (Hkv * hd,), 0.2)
        w[p + "self_attn.o_proj.weight"] = init.f32(p + "o", (D, H * hd), 0.2)
        w[p + "mlp.gate_up_proj.weight"] = init.f32(p + "gate_up", (2 * F, D), 0.2)
        w[p + "mlp.down_proj.weight"] = init.f32(p + "down", (D, F), 0.2)
    return w


def hf_forward(w, c, ids, mut=None):
    T = len(ids)
    H, Hkv, hd, eps, F = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], \
        c["rms_norm_eps"], c["intermediate_size"]
    n_rot = hd if mut == "rope_full_head" else int(hd * c["partial_rotary_factor"])
    rope = C.rope_neox if mut == "rope_neox_pairing" else C.rope_norm
    nb = mut == "no_qkv_bias"
    pos = np.arange(T)
    x = w["model.embed_tokens.weight"][ids]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        ln_post_attn, ln_pre_mlp = "post_self_attn_layernorm", "post_attention_layernorm"
        if mut == "ffn_norm_and_attn_post_norm_swapped":
            ln_post_attn, ln_pre_mlp = ln_pre_mlp, ln_post_attn
        h = C.rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = C.linear(h, w[p + "self_attn.q_proj.weight"], None if nb else w[p + "self_attn.q_proj.bias"])
        k = C.linear(h, w[p + "self_attn.k_proj.weight"], None if nb else w[p + "self_attn.k_proj.bias"])
        v = C.linear(h, w[p + "self_attn.v_proj.weight"], None if nb else w[p + "self_attn.v_proj.bias"])
        q = rope(q.reshape(T, H, hd), pos, n_rot, c["rope_theta"])
        k = rope(k.reshape(T, Hkv, hd), pos, n_rot, c["rope_theta"])
        att = C.attention(q, k, v.reshape(T, Hkv, hd), hd ** -0.5, causal=(mut != "no_causal_mask"))
        a = C.linear(att, w[p + "self_attn.o_proj.weight"])
        if mut != "no_post_norms":
            a = C.rms_norm(a, w[p + ln_post_attn + ".weight"], eps)
        x = x + a
        h = C.rms_norm(x, w[p + ln_pre_mlp + ".weight"], eps)
        gu = C.linear(h, w[p + "mlp.gate_up_proj.weight"])
        gate, up = gu[:, :F], gu[:, F:]
        if mut == "gate_up_swapped":
            gate, up = up, gate
        m = C.linear(up * C.silu(gate), w[p + "mlp.down_proj.weight"])
        if mut != "no_post_norms":
            m = C.rms_norm(m, w[p + "post_mlp_layernorm.weight"], eps)
        x = x + m
    x = C.rms_norm(x, w["model.norm.weight"], eps)
    return C.linear(x, w["lm_head.weight"])


def convert(w, c):
    a = ARCH
    hd = c["head_dim"]
    kv = [("general.architecture", G.string(a)),
          ("general.name", G.string("handchecked-glm4")),
          (f"{a}.block_count", G.u32(c["num_hidden_layers"])),
          (f"{a}.context_length", G.u32(c["max_position_embeddings"])),
          (f"{a}.embedding_length", G.u32(c["hidden_size"])),
          (f"{a}.feed_forward_length", G.u32(c["intermediate_size"])),
          (f"{a}.attention.head_count", G.u32(c["num_attention_heads"])),
          (f"{a}.attention.head_count_kv", G.u32(c["num_key_value_heads"])),
          (f"{a}.rope.freq_base", G.f32(c["rope_theta"])),
          (f"{a}.attention.layer_norm_rms_epsilon", G.f32(c["rms_norm_eps"])),
          (f"{a}.attention.key_length", G.u32(hd)),
          (f"{a}.attention.value_length", G.u32(hd)),
          ("general.file_type", G.u32(0)),
          (f"{a}.rope.dimension_count", G.u32(int(hd * c["partial_rotary_factor"])))] + TOK_KV
    t = [("token_embd.weight", w["model.embed_tokens.weight"]),
         ("output_norm.weight", w["model.norm.weight"]),
         ("output.weight", w["lm_head.weight"])]
    for i in range(c["num_hidden_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        t += [(b + "attn_norm.weight", w[p + "input_layernorm.weight"]),
              (b + "attn_q.weight", w[p + "self_attn.q_proj.weight"]),
              (b + "attn_q.bias", w[p + "self_attn.q_proj.bias"]),
              (b + "attn_k.weight", w[p + "self_attn.k_proj.weight"]),
              (b + "attn_k.bias", w[p + "self_attn.k_proj.bias"]),
              (b + "attn_v.weight", w[p + "self_attn.v_proj.weight"]),
              (b + "attn_v.bias", w[p + "self_attn.v_proj.bias"]),
              (b + "attn_output.weight", w[p + "self_attn.o_proj.weight"]),
              (b + "post_attention_norm.weight", w[p + "post_self_attn_layernorm.weight"]),
              (b + "ffn_norm.weight", w[p + "post_attention_layernorm.weight"]),
              (b + "ffn_up.weight", w[p + "mlp.gate_up_proj.weight"]),
              (b + "ffn_down.weight", w[p + "mlp.down_proj.weight"]),
              (b + "post_ffw_norm.weight", w[p + "post_mlp_layernorm.weight"])]
    return kv, t


def gguf_forward(g, ids):
    """llama.cpp src/models/glm4.cpp (separate Q/K/V with biases; rope NORM; SWIGLU on fused ffn_up)."""
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
        q = C.linear(h, g.tensor(b + "attn_q.weight"), g.tensor(b + "attn_q.bias")).reshape(T, H, hd)
        k = C.linear(h, g.tensor(b + "attn_k.weight"), g.tensor(b + "attn_k.bias")).reshape(T, Hkv, hd)
        v = C.linear(h, g.tensor(b + "attn_v.weight"), g.tensor(b + "attn_v.bias")).reshape(T, Hkv, hd)
        q = C.rope_norm(q, pos, n_rot, base)
        k = C.rope_norm(k, pos, n_rot, base)
        cur = C.linear(C.attention(q, k, v, 1.0 / np.sqrt(hd)), g.tensor(b + "attn_output.weight"))
        ffn_inp = C.rms_norm(cur, g.tensor(b + "post_attention_norm.weight"), eps) + x
        h = C.rms_norm(ffn_inp, g.tensor(b + "ffn_norm.weight"), eps)
        gu = C.linear(h, g.tensor(b + "ffn_up.weight"))
        m = C.linear(C.silu(gu[:, :F]) * gu[:, F:], g.tensor(b + "ffn_down.weight"))
        x = C.rms_norm(m, g.tensor(b + "post_ffw_norm.weight"), eps) + ffn_inp
    x = C.rms_norm(x, g.tensor("output_norm.weight"), eps)
    return C.linear(x, g.tensor("output.weight"))


def make(out_dir=C.OUT_DIR):
    return C.run_causal_lm(__import__(__name__), out_dir)


if __name__ == "__main__":
    make()
