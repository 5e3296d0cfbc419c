"""bert (HF BertModel, encoder for embeddings) hand-checked oracle.

HF definition (transformers models/bert/modeling_bert.py), token_type_ids = 0, all-ones mask:
  x = LayerNorm(word_embeddings[ids] + position_embeddings[0..T-1] + token_type_embeddings[0])
  per layer: q, k, v = Linear+bias; a = softmax(q k^T / sqrt(head_dim)) v   (bidirectional)
             x = LayerNorm(attention.output.dense(a) + x)          (attention.output.LayerNorm)
             x = LayerNorm(output.dense(gelu(intermediate.dense(x))) + x)   (output.LayerNorm)
  hidden = x (last_hidden_state).  hidden_act = "gelu" = exact erf GELU.
Pooling (sentence-transformers Pooling module, as llama.cpp's pooling_type): MEAN = average
of all T hidden rows; CLS = hidden[0] (no BertPooler dense/tanh: the converter drops it).
No L2 normalisation is applied here (llama.cpp returns raw pooled embeddings; its
embedding example normalises afterwards).

Conversion (convert_hf_to_gguf.py BertModel): embeddings.word_embeddings -> token_embd,
position_embeddings -> position_embd, token_type_embeddings -> token_types,
embeddings.LayerNorm -> token_embd_norm, attention.self.query/key/value -> attn_q/k/v (+bias),
attention.output.dense -> attn_output, attention.output.LayerNorm -> attn_output_norm,
intermediate.dense -> ffn_up, output.dense -> ffn_down, output.LayerNorm -> layer_output_norm;
pooler.* dropped.  Metadata: TextModel params (block_count, context_length, embedding_length,
feed_forward_length, head_count, layer_norm_epsilon; no head_count_kv since BERT configs have
no num_key_value_heads) + attention.causal = false + pooling_type (from modules.json:
MEAN = 1 here) + tokenizer.ggml.token_type_count.  Vocab: tokenizer.ggml.model = "bert",
tokens in "phantom space" form: non-control tokens get a U+2581 prefix, "##x" -> "x".
llama.cpp graph: src/models/bert.cpp -- LLM_FFN_GELU = ggml_gelu = the TANH approximation
(on CPU also via an fp16 lookup table), not erf.  Both variants are written to the JSON.
"""

import numpy as np

import common as C
import gguf_io as G

ARCH = "bert"
SEED = 3008
POOLING = "mean"             # written as bert.pooling_type = 1
CFG = dict(hidden_size=48, intermediate_size=96, num_hidden_layers=2, num_attention_heads=4,
           max_position_embeddings=32, type_vocab_size=2, layer_norm_eps=1e-12, hidden_act="gelu")

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["the", "cat", "sat", "on", "mat", "hello", "world", "dog", "run", "play",
         "##ing", "##ed", "##er", "."]
CHARS = [chr(c) for c in range(ord("a"), ord("z") + 1)]


def wordpiece_vocab():
    """HF-style WordPiece vocab.txt order: specials, single chars, ##chars, words."""
    return SPECIAL + CHARS + ["##" + ch for ch in CHARS] + WORDS


VOCAB_LIST = wordpiece_vocab()
CFG["vocab_size"] = len(VOCAB_LIST)
_ID = {t: i for i, t in enumerate(VOCAB_LIST)}
TOKEN_IDS = [_ID[t] for t in ["[CLS]", "hello", "world", "the", "cat", "sat", "on", "the", "mat",
                              "play", "##ing", "[SEP]"]]
MUTATIONS = ["causal_mask", "no_token_type", "no_position_embd", "pre_norm_order"]
INFO_MUTATIONS = ["gelu_tanh", "gelu_ggml_f16"]


def build(init):
    c = CFG
    D, F, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    w = {"embeddings.word_embeddings.weight": init.f32("word", (V, D), 0.5),
         "embeddings.position_embeddings.weight": init.f32("pos", (c["max_position_embeddings"], D), 0.5),
         "embeddings.token_type_embeddings.weight": init.f32("type", (c["type_vocab_size"], D), 0.5),
         "embeddings.LayerNorm.weight": init.f32("eln_w", (D,), 0.1, 1.0),
         "embeddings.LayerNorm.bias": init.f32("eln_b", (D,), 0.1),
         # present in the checkpoint, dropped by the converter, unused by the embedding:
         "pooler.dense.weight": init.f32("pooler_w", (D, D), 0.2),
         "pooler.dense.bias": init.f32("pooler_b", (D,), 0.1)}
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        for n, shape, std in (("attention.self.query", (D, D), 0.3), ("attention.self.key", (D, D), 0.3),
                              ("attention.self.value", (D, D), 0.2), ("attention.output.dense", (D, D), 0.2),
                              ("intermediate.dense", (F, D), 0.2), ("output.dense", (D, F), 0.2)):
            w[p + n + ".weight"] = init.f32(p + n + ".w", shape, std)
            w[p + n + ".bias"] = init.f32(p + n + ".b", (shape[0],), 0.1)
        for n in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + n + ".weight"] = init.f32(p + n + ".w", (D,), 0.1, 1.0)
            w[p + n + ".bias"] = init.f32(p + n + ".b", (D,), 0.1)
    return w


def hf_forward(w, c, ids, mut=None):
    T = len(ids)
    D, H, eps = c["hidden_size"], c["num_attention_heads"], c["layer_norm_eps"]
    hd = D // H
    act = {"gelu_tanh": C.gelu_tanh, "gelu_ggml_f16": C.gelu_ggml_f16}.get(mut, C.gelu_erf)
    x = w["embeddings.word_embeddings.weight"][ids]
    if mut != "no_position_embd":
        x = x + w["embeddings.position_embeddings.weight"][:T]
    if mut != "no_token_type":
        x = x + w["embeddings.token_type_embeddings.weight"][0]
    x = C.layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    L = lambda h, n: C.linear(h, w[n + ".weight"], w[n + ".bias"])  # noqa: E731
    LN = lambda h, n: C.layer_norm(h, w[n + ".weight"], w[n + ".bias"], eps)  # noqa: E731
    for i in range(c["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        src = LN(x, p + "attention.output.LayerNorm") if mut == "pre_norm_order" else x
        q = L(src, p + "attention.self.query").reshape(T, H, hd)
        k = L(src, p + "attention.self.key").reshape(T, H, hd)
        v = L(src, p + "attention.self.value").reshape(T, H, hd)
        a = C.attention(q, k, v, hd ** -0.5, causal=(mut == "causal_mask"))
        if mut == "pre_norm_order":
            x = x + L(a, p + "attention.output.dense")
            x = x + L(act(L(LN(x, p + "output.LayerNorm"), p + "intermediate.dense")), p + "output.dense")
        else:
            x = LN(L(a, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            x = LN(L(act(L(x, p + "intermediate.dense")), p + "output.dense") + x, p + "output.LayerNorm")
    return x


def convert(w, c):
    a = ARCH
    kv = [("general.architecture", G.string(a)),
          ("general.name", G.string("handchecked-bert")),
          (f"{a}.block_count", G.u32(c["num_hidden_layers"])),
          (f"{a}.context_length", G.u32(c["max_position_embeddings"])),
          (f"{a}.embedding_length", G.u32(c["hidden_size"])),
          (f"{a}.feed_forward_length", G.u32(c["intermediate_size"])),
          (f"{a}.attention.head_count", G.u32(c["num_attention_heads"])),
          (f"{a}.attention.layer_norm_epsilon", G.f32(c["layer_norm_eps"])),
          ("general.file_type", G.u32(0)),
          (f"{a}.attention.causal", G.boolean(False)),
          (f"{a}.pooling_type", G.u32({"none": 0, "mean": 1, "cls": 2, "last": 3}[POOLING]))]
    types = [3 if t in SPECIAL else 1 for t in VOCAB_LIST]          # CONTROL / NORMAL
    phantom = [t if ty == 3 else (t[2:] if t.startswith("##") else "\u2581" + t)
               for t, ty in zip(VOCAB_LIST, types)]
    kv += [("tokenizer.ggml.token_type_count", G.u32(c["type_vocab_size"])),
           ("tokenizer.ggml.model", G.string("bert")),
           ("tokenizer.ggml.pre", G.string("default")),
           ("tokenizer.ggml.tokens", G.str_array(phantom)),
           ("tokenizer.ggml.token_type", G.i32_array(types)),
           ("tokenizer.ggml.unknown_token_id", G.u32(_ID["[UNK]"])),
           ("tokenizer.ggml.seperator_token_id", G.u32(_ID["[SEP]"])),
           ("tokenizer.ggml.padding_token_id", G.u32(_ID["[PAD]"])),
           ("tokenizer.ggml.cls_token_id", G.u32(_ID["[CLS]"])),
           ("tokenizer.ggml.mask_token_id", G.u32(_ID["[MASK]"])),
           ("tokenizer.ggml.bos_token_id", G.u32(_ID["[CLS]"]))]
    t = [("token_embd.weight", w["embeddings.word_embeddings.weight"]),
         ("position_embd.weight", w["embeddings.position_embeddings.weight"]),
         ("token_types.weight", w["embeddings.token_type_embeddings.weight"]),
         ("token_embd_norm.weight", w["embeddings.LayerNorm.weight"]),
         ("token_embd_norm.bias", w["embeddings.LayerNorm.bias"])]
    names = [("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"),
             ("attention.self.value", "attn_v"), ("attention.output.dense", "attn_output"),
             ("attention.output.LayerNorm", "attn_output_norm"), ("intermediate.dense", "ffn_up"),
             ("output.dense", "ffn_down"), ("output.LayerNorm", "layer_output_norm")]
    for i in range(c["num_hidden_layers"]):
        p, b = f"encoder.layer.{i}.", f"blk.{i}."
        for hf, gg in names:
            t += [(b + gg + ".weight", w[p + hf + ".weight"]), (b + gg + ".bias", w[p + hf + ".bias"])]
    return kv, t


def gguf_forward(g, ids, gelu=C.gelu_tanh):
    """llama.cpp src/models/bert.cpp (non-causal, type row 0 added, positions 0..T-1)."""
    a = ARCH
    kvv = g.kv
    D, H = kvv[f"{a}.embedding_length"], kvv[f"{a}.attention.head_count"]
    Hkv = kvv.get(f"{a}.attention.head_count_kv", H)
    hd = D // H
    eps = kvv[f"{a}.attention.layer_norm_epsilon"]
    causal = kvv.get(f"{a}.attention.causal", True)
    T = len(ids)
    t = g.tensor
    x = t("token_embd.weight")[ids] + t("token_types.weight")[0] + t("position_embd.weight")[np.arange(T)]
    x = C.layer_norm(x, t("token_embd_norm.weight"), t("token_embd_norm.bias"), eps)
    for i in range(kvv[f"{a}.block_count"]):
        b = f"blk.{i}."
        L = lambda h, n: C.linear(h, t(b + n + ".weight"), t(b + n + ".bias"))  # noqa: E731
        q = L(x, "attn_q").reshape(T, H, hd)
        k = L(x, "attn_k").reshape(T, Hkv, hd)
        v = L(x, "attn_v").reshape(T, Hkv, hd)
        cur = L(C.attention(q, k, v, 1.0 / np.sqrt(hd), causal=causal), "attn_output") + x
        cur = C.layer_norm(cur, t(b + "attn_output_norm.weight"), t(b + "attn_output_norm.bias"), eps)
        f = L(gelu(L(cur, "ffn_up")), "ffn_down") + cur
        x = C.layer_norm(f, t(b + "layer_output_norm.weight"), t(b + "layer_output_norm.bias"), eps)
    return x


def pool(h, kind):
    return h.mean(axis=0) if kind == "mean" else h[0]


def make(out_dir=C.OUT_DIR, verbose=True):
    import os
    from gguf_io import GGUFFile, write_gguf
    w = build(C.Init(SEED))
    ids = list(TOKEN_IDS)
    hid = hf_forward(w, CFG, ids)
    hid_tanh = hf_forward(w, CFG, ids, mut="gelu_tanh")
    hid_ggml = hf_forward(w, CFG, ids, mut="gelu_ggml_f16")
    kv, tensors = convert(w, CFG)
    gpath = os.path.join(out_dir, f"{ARCH}.gguf")
    write_gguf(gpath, kv, tensors)
    g = GGUFFile(gpath)
    err_tanh = float(np.max(np.abs(gguf_forward(g, ids) - hid_tanh)))
    err_erf = float(np.max(np.abs(gguf_forward(g, ids, gelu=C.gelu_erf) - hid)))
    err_ggml = float(np.max(np.abs(gguf_forward(g, ids, gelu=C.gelu_ggml_f16) - hid_ggml)))
    assert max(err_tanh, err_erf, err_ggml) < 1e-9, (err_tanh, err_erf, err_ggml)

    # bidirectional: every position must depend on the LAST token
    alt = list(ids)
    alt[-2] = _ID["dog"]
    d0 = float(np.max(np.abs(hf_forward(w, CFG, alt)[0] - hid[0])))
    assert d0 > 1e-3, "position 0 does not see later tokens"

    muts = {}
    for name in MUTATIONS:
        muts[name] = float(np.max(np.abs(hf_forward(w, CFG, ids, mut=name) - hid)))
    assert min(muts.values()) > 1e-3, muts
    for name in INFO_MUTATIONS:
        muts[name + " (info)"] = float(np.max(np.abs(hf_forward(w, CFG, ids, mut=name) - hid)))

    obj = {"arch": ARCH, "token_ids": ids, "tokens": [VOCAB_LIST[i] for i in ids],
           "n_embd": CFG["hidden_size"], "hf_config": CFG, "pooling": POOLING,
           "gelu": "hidden/embedding_*: exact erf GELU (HF 'gelu'); *_gelu_tanh: tanh approximation "
                   "(ggml_gelu formula); *_ggml_gelu_f16: tanh approximation through ggml's F16 "
                   "lookup table (llama.cpp CPU backend)",
           "hidden": C.rows(hid),
           "embedding_mean": [C._short(v) for v in pool(hid, "mean")],
           "embedding_cls": [C._short(v) for v in pool(hid, "cls")],
           "hidden_gelu_tanh": C.rows(hid_tanh),
           "embedding_mean_gelu_tanh": [C._short(v) for v in pool(hid_tanh, "mean")],
           "embedding_cls_gelu_tanh": [C._short(v) for v in pool(hid_tanh, "cls")],
           "hidden_ggml_gelu_f16": C.rows(hid_ggml),
           "embedding_mean_ggml_gelu_f16": [C._short(v) for v in pool(hid_ggml, "mean")],
           "embedding_cls_ggml_gelu_f16": [C._short(v) for v in pool(hid_ggml, "cls")]}
    jpath = os.path.join(out_dir, f"{ARCH}.json")
    C.write_json(jpath, obj)
    s = {"arch": ARCH, "gguf_bytes": os.path.getsize(gpath), "json_bytes": os.path.getsize(jpath),
         "gguf_vs_hf": max(err_tanh, err_erf), "bidirectional_dep_pos0": d0,
         "logit_absmax": float(np.max(np.abs(hid))), "mutations": muts}
    if verbose:
        C.print_summary(s)
        print(f"    position 0 changes by {d0:.3e} when token 10 changes (bidirectional)")
    return s


if __name__ == "__main__":
    make()
