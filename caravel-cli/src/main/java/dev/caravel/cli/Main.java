package dev.caravel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The {@code caravel} command line. Every user-facing failure ends as one line on stderr and a
 * non-zero exit code; stack traces appear only with {@code CARAVEL_DEBUG=1}.
 */
@Command(name = "caravel", mixinStandardHelpOptions = true, version = "caravel 0.1.0",
        description = "Run, chat with and serve open language models (GGUF), on your own machine.",
        subcommands = {RunCommand.class, ChatCommand.class, TokenizeCommand.class, TemplateCommand.class,
                InfoCommand.class, EmbedCommand.class, BenchCommand.class, QuantizeCommand.class,
                SynthCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (used by tests, which must not call System.exit). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
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

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
