package dev.caravel.cli;

import dev.caravel.tools.hub.HubConfig;
import dev.caravel.tools.hub.ModelHub;
import dev.caravel.tools.hub.ProgressBar;

import java.nio.file.Path;

/**
 * The CLI's one way to the Hub: the configuration comes from the environment here and nowhere else
 * (HF_ENDPOINT, HF_TOKEN, HF_HOME / HF_HUB_CACHE, HF_HUB_OFFLINE; {@code --offline} adds to the last), progress
 * goes to stderr, notes go to stderr as {@code caravel: …} lines.
 */
final class HubAccess {
    /** Tests point the CLI at a loopback Hub and a temporary cache here instead of the environment. */
    static volatile HubConfig testConfig;

    private HubAccess() {
    }

    static HubConfig config(boolean offline) {
        HubConfig c = testConfig != null ? testConfig
                : HubConfig.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
        return offline ? c.withOffline(true) : c;
    }

    static ModelHub hub(boolean offline) {
        java.io.Console console = System.console();
        boolean terminal = console != null && console.isTerminal() && testConfig == null;
        return new ModelHub(config(offline), new ProgressBar(System.err, terminal), note -> System.err.println("caravel: " + note));
    }

    /** The cached file a model name refers to, or null (not a name, not cached, or any error: the command reports it). */
    static Path cachedOrNull(String model) {
        try {
            if (!dev.caravel.tools.hub.ModelRef.looksLikeRef(model)) {
                return null;
            }
            return hub(true).cached(dev.caravel.tools.hub.ModelRef.parse(model)).map(f -> f.path()).orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The local file of a {@code -m} value: a path, or a model from the cache or the Hub. */
    static Path resolve(String model, boolean offline) {
        return hub(offline).resolve(model);
    }
}
