package dev.caravel.cli;

import dev.caravel.tools.hub.HubCache;
import dev.caravel.tools.hub.ModelHub;
import dev.caravel.tools.hub.ModelRef;
import dev.caravel.tools.hub.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;

/**
 * {@code caravel rm}: remove pulled models from the Hugging Face cache. A blob another snapshot still links to
 * stays; a repository left without files goes entirely.
 */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = "Remove pulled models: a short name, org/name/file.gguf, org/name:QUANT, or org/name (all its files).")
final class RmCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "NAME", description = "Models to remove (as 'caravel list' names them).")
    List<String> names;

    @Override
    public Integer call() throws IOException {
        ModelHub hub = HubAccess.hub(true);
        for (String name : names) {
            ModelRef ref = ModelRef.parse(name);
            List<HubCache.CachedFile> files = hub.matching(ref);
            if (files.isEmpty()) {
                throw new UsageException(name + " is not in the model cache " + hub.config().cacheDir() + " (see: caravel list)");
            }
            for (HubCache.CachedFile f : files) {
                // the model's repacked weights (the panel cache) go with it, unless another snapshot keeps the file
                java.nio.file.Path panels = dev.caravel.model.PanelCache.directoryFor(f.path());
                long freed = hub.cache().remove(f);
                if (freed > 0 && panels != null) {
                    freed += dev.caravel.model.PanelCache.delete(panels);
                }
                System.err.println("caravel: removed " + f.repo() + "/" + f.file()
                        + (freed > 0 ? " (" + ProgressBar.bytes(freed) + " freed)" : " (its data is still used by another snapshot)"));
            }
        }
        return 0;
    }
}
