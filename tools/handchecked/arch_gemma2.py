"""gemma2 (HF Gemma2ForCausalLM) hand-checked oracle.

HF definition (transformers models/gemma2/modeling_gemma2.py):
  x = embed_tokens[ids] * sqrt(hidden_size)
  Gemma2RMSNorm(x) = x / sqrt(mean(x^2) + eps) * (1 + w)
  per layer i (layer i is sliding-window iff i % 2 == 0):
             h = RMSNorm(x) (input_layernorm)
             q, k, v; RoPE rotate_half (NEOX) over head_dim, rope_theta 10000
             s = q k^T * query_pre_attn_scalar^-0.5
             s = attn_logit_softcapping * tanh(s / attn_logit_softcapping)      (before the mask)
             mask: causal, and on sliding layers key j visible to query i iff i - j < sliding_window
             a = o_proj(softmax(s) v)
             x = x + RMSNorm(a) (post_attention_layernorm)
             h = RMSNorm(x) (pre_feedforward_layernorm)
             x = x + RMSNorm(down(gelu_tanh(gate(h)) * up(h))) (post_feedforward_layernorm)
  logits = RMSNorm(x) @ embed_tokens^T;  logits = final_logit_softcapping * tanh(logits / cap)

Conversion (convert_hf_to_gguf.py Gemma2Model): +1 on every "*norm.weight"; lm_head skipped;
input_layernorm -> attn_norm, post_attention_layernorm -> post_attention_norm,
pre_feedforward_layernorm -> ffn_norm, post_feedforward_layernorm -> post_ffw_norm.
Metadata: as gemma plus attn_logit_softcapping, final_logit_softcapping, attention.sliding_window.
No rope.freq_base (default 10000), no sliding_window_pattern (llama.cpp default period 2: layer il
is SWA iff il % 2 < 1, i.e. even layers), no rope.dimension_count (defaults to key_length).
llama.cpp graph: src/models/gemma2-iswa.cpp; Q scaled by f_attention_scale = 1/sqrt(head_dim)
(except 46-layer 27B: 1/sqrt(n_embd/n_head)), so query_pre_attn_scalar = head_dim here.
llama.cpp masks SWA with  p1 - p0 >= n_swa  (LLAMA_SWA_TYPE_STANDARD), same as HF.

Softcapping values are chosen small (attn 2.0, final 8.0) so that tanh is far from linear on
these tiny random activations; sliding_window = 4 so the 12-token prompt exercises it.
"""

import math

import numpy as np

import common as C
import gguf_io as G

ARCH = "gemma2"
SEED = 3006
TOK_KV, VOCAB = C.gpt2_tokenizer_kv("gpt-2")
CFG = dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-6,
           rope_theta=10000.0, max_position_embeddings=128, hidden_activation="gelu_pytorch_tanh",
           query_pre_attn_scalar=16, sliding_window=4, attn_logit_softcapping=2.0,
           final_logit_softcapping=8.0, tie_word_embeddings=True)
TOKEN_IDS = [262, 51, 257, 258, 220, 66, 64, 83, 259, 220, 70, 261]
MUTATIONS = ["no_final_softcap", "no_attn_softcap",
             "no_sliding_window", "sliding_on_odd_layers", "window_inclusive",
             "no_post_norms", "norm_without_plus_one", "no_embedding_scale",
             "rope_norm_pairing", "attn_scale_hidden_over_heads"]
INFO_MUTATIONS = ["gelu_erf", "gelu_ggml_f16"]
GGML_GELU = True      # also write logits_ggml_gelu_f16 (llama.cpp CPU GELU via F16 table)


def build(init):
    c = CFG
    H, Hkv, hd, D, F = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], \
        c["hidden_size"], c["intermediate_size"]
    w = {"model.embed_tokens.weight": init.f32("emb", (c["vocab_size"], D), 0.5),
         "model.norm.weight": init.f32("norm", (D,), 0.1)}
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        for n in ("input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm",
                  "post_feedforward_layernorm"):
            w[p + n + ".weight"] = init.f32(p + n, (D,), 0.1)
        w[p + "self_attn.q_proj.weight"] = init.f32(p + "q", (H * hd, D), 0.4)
        w[p + "self_attn.k_proj.weight"] = init.f32(p + "k", (Hkv * hd, D), 0.4)
        w[p + "self_attn.v_proj.weight"] = init.f32(p + "v", (Hkv * hd, D), 0.2)
        w[p + "self_attn.o_proj.weight"] = init.f32(p + "o", (D, H * hd), 0.2)
        w[p + "mlp.gate_proj.weight"] = init.f32(p + "gate", (F, D), 0.2)
        w[p + "mlp.up_proj.weight"] = init.f32(p + "up", (F, D), 0.2)
        w[p + "mlp.down_proj.weight"] = init.f32(p + "down", (D, F), 0.2)
    return w


def hf_forward(w, c, ids, mut=None):
    T = len(ids)
    H, Hkv, hd, eps = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"], c["rms_norm_eps"]
    rope = C.rope_norm if mut == "rope_norm_pairing" else C.rope_neox
    act = {"gelu_erf": C.gelu_erf, "gelu_ggml_f16": C.gelu_ggml_f16}.get(mut, C.gelu_tanh)
    scale = c["query_pre_attn_scalar"] ** -0.5
    if mut == "attn_scale_hidden_over_heads":
        scale = (c["hidden_size"] // H) ** -0.5
    acap = None if mut == "no_attn_softcap" else c["attn_logit_softcapping"]
    norm = lambda x, n: C.rms_norm(x, n if mut == "norm_without_plus_one" else C.as_f32(1.0 + n), eps)  # noqa
    pos = np.arange(T)
    x = w["model.embed_tokens.weight"][ids]
    if mut != "no_embedding_scale":
        x = x * C.as_f32(math.sqrt(c["hidden_size"]))
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        sliding = (i % 2 == 1) if mut == "sliding_on_odd_layers" else (i % 2 == 0)
        window = None
        if sliding and mut != "no_sliding_window":
            window = c["sliding_window"] + (1 if mut == "window_inclusive" else 0)
        h = norm(x, w[p + "input_layernorm.weight"])
        q = C.linear(h, w[p + "self_attn.q_proj.weight"]).reshape(T, H, hd)
        k = C.linear(h, w[p + "self_attn.k_proj.weight"]).reshape(T, Hkv, hd)
        v = C.linear(h, w[p + "self_attn.v_proj.weight"]).reshape(T, Hkv, hd)
        q, k = rope(q, pos, hd, c["rope_theta"]), rope(k, pos, hd, c["rope_theta"])
        att = C.attention(q, k, v, scale, window=window, softcap=acap)
        a = C.linear(att, w[p + "self_attn.o_proj.weight"])
        if mut != "no_post_norms":
            a = norm(a, w[p + "post_attention_layernorm.weight"])
        x = x + a
        h = norm(x, w[p + "pre_feedforward_layernorm.weight"])
        f = C.linear(act(C.linear(h, w[p + "mlp.gate_proj.weight"])) * C.linear(h, w[p + "mlp.up_proj.weight"]),
                     w[p + "mlp.down_proj.weight"])
        if mut != "no_post_norms":
            f = norm(f, w[p + "post_feedforward_layernorm.weight"])
        x = x + f
    x = norm(x, w["model.norm.weight"])
    logits = C.linear(x, w["model.embed_tokens.weight"])
    if mut != "no_final_softcap":
        cap = c["final_logit_softcapping"]
        logits = cap * np.tanh(logits / cap)
    return logits


def convert(w, c):
    a = ARCH
    one = lambda arr: C.as_f32(arr + 1.0)  # noqa: E731   (name ends in "norm.weight")
    kv = [("general.architecture", G.string(a)),
          ("general.name", G.string("handchecked-gemma2")),
          (f"{a}.context_length", G.u32(c["max_position_embeddings"])),
          (f"{a}.embedding_length", G.u32(c["hidden_size"])),
          (f"{a}.block_count", G.u32(c["num_hidden_layers"])),
          (f"{a}.feed_forward_length", G.u32(c["intermediate_size"])),
          (f"{a}.attention.head_count", G.u32(c["num_attention_heads"])),
          (f"{a}.attention.head_count_kv", G.u32(c["num_key_value_heads"])),
          (f"{a}.attention.layer_norm_rms_epsilon", G.f32(c["rms_norm_eps"])),
          (f"{a}.attention.key_length", G.u32(c["head_dim"])),
          (f"{a}.attention.value_length", G.u32(c["head_dim"])),
          ("general.file_type", G.u32(0)),
          (f"{a}.attn_logit_softcapping", G.f32(c["attn_logit_softcapping"])),
          (f"{a}.final_logit_softcapping", G.f32(c["final_logit_softcapping"])),
          (f"{a}.attention.sliding_window", G.u32(c["sliding_window"]))] + TOK_KV
    t = [("token_embd.weight", w["model.embed_tokens.weight"]),
         ("output_norm.weight", one(w["model.norm.weight"]))]
    for i in range(c["num_hidden_layers"]):
        p, b = f"model.layers.{i}.", f"blk.{i}."
        t += [(b + "attn_norm.weight", one(w[p + "input_layernorm.weight"])),
              (b + "attn_q.weight", w[p + "self_attn.q_proj.weight"]),
              (b + "attn_k.weight", w[p + "self_attn.k_proj.weight"]),
              (b + "attn_v.weight", w[p + "self_attn.v_proj.weight"]),
              (b + "attn_output.weight", w[p + "self_attn.o_proj.weight"]),
              (b + "post_attention_norm.weight", one(w[p + "post_attention_layernorm.weight"])),
              (b + "ffn_norm.weight", one(w[p + "pre_feedforward_layernorm.weight"])),
              (b + "ffn_gate.weight", w[p + "mlp.gate_proj.weight"]),
              (b + "ffn_up.weight", w[p + "mlp.up_proj.weight"]),
              (b + "ffn_down.weight", w[p + "mlp.down_proj.weight"]),
              (b + "post_ffw_norm.weight", one(w[p + "post_feedforward_layernorm.weight"]))]
    return kv, t


def gguf_forward(g, ids):
    """llama.cpp src/models/gemma2-iswa.cpp + gemma2 hparams loading."""
    a = ARCH
    kvv = g.kv
    D, H, Hkv = kvv[f"{a}.embedding_length"], kvv[f"{a}.attention.head_count"], kvv[f"{a}.attention.head_count_kv"]
    hd = kvv.get(f"{a}.attention.key_length", D // H)
    n_rot = kvv.get(f"{a}.rope.dimension_count", hd)
    base = kvv.get(f"{a}.rope.freq_base", 10000.0)
    eps = kvv[f"{a}.attention.layer_norm_rms_epsilon"]
    n_swa = kvv.get(f"{a}.attention.sliding_window", 4096)
    period = kvv.get(f"{a}.attention.sliding_window_pattern", 2)
    acap = kvv.get(f"{a}.attn_logit_softcapping", 50.0)
    fcap = kvv.get(f"{a}.final_logit_softcapping", 30.0)
    n_layer = kvv[f"{a}.block_count"]
    attn_scale = 1.0 / np.sqrt(D / H) if n_layer == 46 else 1.0 / np.sqrt(hd)
    T, pos = len(ids), np.arange(len(ids))
    x = g.tensor("token_embd.weight")[ids] * C.as_f32(math.sqrt(D))
    for i in range(n_layer):
        b = f"blk.{i}."
        is_swa = (i % period) < (period - 1)
        h = C.rms_norm(x, g.tensor(b + "attn_norm.weight"), eps)
        q = C.linear(h, g.tensor(b + "attn_q.weight")).reshape(T, H, hd)
        k = C.linear(h, g.tensor(b + "attn_k.weight")).reshape(T, Hkv, hd)
        v = C.linear(h, g.tensor(b + "attn_v.weight")).reshape(T, Hkv, hd)
        q = C.rope_neox(q, pos, n_rot, base) * attn_scale
        k = C.rope_neox(k, pos, n_rot, base)
        att = C.attention(q, k, v, 1.0, window=n_swa if is_swa else None, softcap=acap)
        cur = C.rms_norm(C.linear(att, g.tensor(b + "attn_output.weight")), g.tensor(b + "post_attention_norm.weight"), eps)
        sa = cur + x
        h = C.rms_norm(sa, g.tensor(b + "ffn_norm.weight"), eps)
        f = C.linear(C.gelu_tanh(C.linear(h, g.tensor(b + "ffn_gate.weight"))) * C.linear(h, g.tensor(b + "ffn_up.weight")),
                     g.tensor(b + "ffn_down.weight"))
        x = C.rms_norm(f, g.tensor(b + "post_ffw_norm.weight"), eps) + sa
    x = C.rms_norm(x, g.tensor("output_norm.weight"), eps)
    logits = C.linear(x, g.tensor("token_embd.weight"))
    return fcap * np.tanh(logits / fcap)


def make(out_dir=C.OUT_DIR):
    return C.run_causal_lm(__import__(__name__), out_dir)


if __name__ == "__main__":
    make()
