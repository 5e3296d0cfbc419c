"""Regenerate every hand-checked fixture:

    python3 tools/handchecked/make_all.py

Writes caravel-model/src/test/resources/handchecked/{qwen3,phi3,gemma,gemma2,glm4,bert}.{gguf,json}.
Deterministic (same bytes on every run).  Each arch step asserts that
  * a llama.cpp-graph forward pass that reads only the written GGUF reproduces the
    HF-definition reference (validates the conversion conventions),
  * outputs are causal (decoders) / bidirectional (bert),
  * every listed "mutation" (a plausible implementation bug: wrong RoPE pairing, missing +1,
    missing softcap, ...) moves the outputs by > 1e-3, i.e. the fixture would catch it.
If the shared llama.cpp reference models are present, the qwen2/chatglm cross-check against
real llama.cpp logits runs first (crosscheck_llamacpp.py).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common as C  # noqa: E402
import arch_qwen3, arch_phi3, arch_gemma, arch_gemma2, arch_glm4, arch_bert  # noqa: E402,E401
import crosscheck_llamacpp  # noqa: E402

MAX_BYTES = 300 * 1024


def main():
    if os.path.exists(os.path.join(crosscheck_llamacpp.MODELS, "random-qwen2-f32.gguf")):
        if crosscheck_llamacpp.main() != 0:
            return 1
    else:
        print("(shared llama.cpp reference models not found: cross-check skipped)")
    os.makedirs(C.OUT_DIR, exist_ok=True)
    for m in (arch_qwen3, arch_phi3, arch_gemma, arch_gemma2, arch_glm4, arch_bert):
        s = m.make(C.OUT_DIR)
        assert s["gguf_bytes"] < MAX_BYTES and s["json_bytes"] < MAX_BYTES, s
    print("fixtures written to", os.path.relpath(C.OUT_DIR, C.REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
