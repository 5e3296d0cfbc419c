package dev.caravel.cli;

import dev.caravel.tools.hub.ModelHub;
import dev.caravel.tools.hub.ModelRef;
import dev.caravel.tools.hub.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code caravel pull}: fetch models from the Hugging Face Hub into its cache (shared with other tools), or
 * bring them up to date. Progress goes to stderr, the local path of each model to stdout.
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download models from the Hugging Face Hub (or HF_ENDPOINT) into the Hugging Face cache.",
                "MODEL is a short name (qwen2.5:0.5b, qwen2.5:0.5b-q8_0; 'caravel list --known' lists them), a repository "
                        + "org/name (its Q4_K_M GGUF file; org/name:Q8_0 for another) or a file org/name/file.gguf.",
                "Interrupted downloads resume; files are checked against the Hub's SHA-256."})
final class PullCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "Models to pull.")
    List<String> models;

    @Option(names = "--offline", description = "Only check that the models are in the cache (also HF_HUB_OFFLINE=1).")
    boolean offline;

    @Override
    public Integer call() {
        PrintStream out = Main.stdout();
        ModelHub hub = HubAccess.hub(offline);
        for (String model : models) {
            ModelRef ref = ModelRef.parse(model);
            ModelHub.Pulled p = hub.pull(ref);
            System.err.println("caravel: " + (p.downloaded() ? "pulled " : "up to date: ") + p.repo() + "/" + p.file()
                    + " (" + ProgressBar.bytes(p.size()) + ", commit " + p.commit().substring(0, Math.min(10, p.commit().length())) + ")");
            out.println(p.path());
        }
        return 0;
    }
}
