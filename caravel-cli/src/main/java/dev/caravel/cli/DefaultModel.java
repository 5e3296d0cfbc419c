package dev.caravel.cli;

import dev.caravel.tools.hub.HubException;
import dev.caravel.tools.hub.ModelHub;
import dev.caravel.tools.hub.ModelRef;

import java.nio.file.Path;

/**
 * The model used when none is given: Qwen2.5-0.5B-Instruct in Q4_K_M (bilingual, small, fast), pulled once
 * from the Hugging Face Hub (or the mirror in {@code HF_ENDPOINT}) into the Hugging Face cache.
 */
final class DefaultModel {
    static final String REPO = "Qwen/Qwen2.5-0.5B-Instruct-GGUF";
    static final String FILE = "qwen2.5-0.5b-instruct-q4_k_m.gguf";

    private DefaultModel() {
    }

    static Path resolve(boolean offline) {
        ModelHub hub = HubAccess.hub(offline);
        ModelRef ref = new ModelRef(REPO, FILE, null, null);
        var cached = hub.cached(ref);
        if (cached.isPresent()) {
            return cached.get().path();
        }
        if (!hub.config().offline()) {
            System.err.println("caravel: no model given; pulling the default model " + REPO + "/" + FILE);
        }
        try {
            return hub.pull(ref).path();
        } catch (HubException e) {
            if (e.kind() == HubException.Kind.NETWORK || e.kind() == HubException.Kind.OFFLINE) {
                String why = e.kind() == HubException.Kind.OFFLINE ? "the default model is not in the model cache and offline mode is on"
                        : "could not download the default model from " + hub.config().host();
                throw new UsageException(why + ".\n"
                        + "  Offline? Point Caravel at a local GGUF file: ./caravel chat -m /path/to/model.gguf\n"
                        + "  Behind a mirror? Set HF_ENDPOINT (e.g. HF_ENDPOINT=https://hf-mirror.com).");
            }
            throw e;
        }
    }
}
