package dev.caravel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The {@code caravel} command line. Every user-facing failure ends as one line on stderr and a
 * non-zero exit code; stack traces appear only with {@code CARAVEL_DEBUG=1}.
 */
@Command(name = "caravel", mixinStandardHelpOptions = true, version = "caravel 0.1.0",
        description = "Run, chat with and serve open language models (GGUF), on your own machine.")
public final class Main implements Runnable {
    /**
     * The subcommands, in the order {@code --help} lists them. They are registered here rather than in
     * {@code @Command(subcommands = ...)} so that a command line naming one of them builds only that one's
     * picocli model (reflecting over every command's annotations cost 20-30 ms of start-up).
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("run", RunCommand::new);
        m.put("chat", ChatCommand::new);
        m.put("tokenize", TokenizeCommand::new);
        m.put("template", TemplateCommand::new);
        m.put("info", InfoCommand::new);
        m.put("embed", EmbedCommand::new);
        m.put("serve", ServeCommand::new);
        m.put("bench", BenchCommand::new);
        m.put("quantize", QuantizeCommand::new);
        m.put("synth", SynthCommand::new);
        m.put("pull", PullCommand::new);
        m.put("list", ListCommand::new);
        m.put("rm", RmCommand::new);
        m.put("convert", ConvertCommand::new);
        m.put("export", ExportCommand::new);
        m.put("bench-serve", BenchServeCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return m;
    }

    public static void main(String[] args) {
        // The process keeps repacked weights between runs unless told otherwise (tests call execute, without it).
        if (System.getProperty(dev.caravel.model.PanelCache.PROPERTY) == null) {
            System.setProperty(dev.caravel.model.PanelCache.PROPERTY,
                    dev.caravel.model.PanelCache.defaultRoot(System.getenv(), java.nio.file.Path.of(System.getProperty("user.home"))));
        }
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (used by tests, which must not call System.exit). */
    public static int execute(String... args) {
        try (ModelPrefetch ignored = ModelPrefetch.start(args)) {
            return run(args);
        }
    }

    private static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // "help COMMAND", "--help" and unknown words need every subcommand; "run ..." needs only run.
        String first = args.length > 0 ? args[0] : "";
        if (SUBCOMMANDS.containsKey(first) && !first.equals("help")) {
            cli.addSubcommand(first, SUBCOMMANDS.get(first).get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        }
        cli.setOut(new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("caravel: " + e.getMessage());
            System.err.println("         (see: caravel " + String.join(" ", e.getCommandLine().getCommandSpec().qualifiedName(" ").replaceFirst("^caravel ?", "")).trim() + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> Errors.report(e));
        return cli.execute(args);
    }

    /** stdout as UTF-8 whatever the platform encoding (bytes go through {@code System.out}, so tests can capture them). */
    static java.io.PrintStream stdout() {
        return new java.io.PrintStream(System.out, true, StandardCharsets.UTF_8);
    }

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
