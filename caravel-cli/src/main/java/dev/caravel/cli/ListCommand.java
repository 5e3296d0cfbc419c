package dev.caravel.cli;

import dev.caravel.tools.hub.HubCache;
import dev.caravel.tools.hub.ModelRegistry;
import dev.caravel.tools.hub.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** {@code caravel list}: the GGUF models in the Hugging Face cache, or ({@code --known}) the short names. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List pulled models (name, file, size, quantization, path); --known lists the short names.")
final class ListCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--known", description = "List the short names 'pull' and '-m' accept, with their repositories.")
    boolean known;

    @Override
    public Integer call() {
        PrintStream out = Main.stdout();
        List<String[]> rows = new ArrayList<>();
        if (known) {
            rows.add(new String[] {"NAME", "REPOSITORY", "MODEL"});
            for (ModelRegistry.Entry e : ModelRegistry.entries()) {
                rows.add(new String[] {e.name(), e.repo(), e.about()});
            }
            print(out, rows);
            out.println("A tag picks the quantization (default " + ModelRegistry.DEFAULT_QUANT + "): e.g. qwen2.5:0.5b-q8_0.");
            return 0;
        }
        HubCache cache = new HubCache(HubAccess.config(true).cacheDir());
        List<HubCache.CachedFile> files = cache.list();
        if (files.isEmpty()) {
            System.err.println("caravel: no models in " + cache.root() + " (pull one: caravel pull qwen2.5:0.5b)");
            return 0;
        }
        rows.add(new String[] {"NAME", "FILE", "SIZE", "QUANT", "PATH"});
        for (HubCache.CachedFile f : files) {
            // The short name when there is one (what 'rm' and '-m' take back); older snapshots only by file.
            String quant = f.quant().equals("-") ? null : f.quant();
            String name = (f.current() ? ModelRegistry.shortName(f.repo(), quant) : java.util.Optional.<String>empty())
                    .orElse(f.repo() + "/" + f.file());
            rows.add(new String[] {name, f.file(), ProgressBar.bytes(f.size()), f.quant(), f.path().toString()});
        }
        print(out, rows);
        return 0;
    }

    private static void print(PrintStream out, List<String[]> rows) {
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                sb.append(i == r.length - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
