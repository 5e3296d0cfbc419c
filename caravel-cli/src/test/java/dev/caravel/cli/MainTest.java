package dev.caravel.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The subcommands are registered lazily; help and errors must not notice. */
class MainTest {
    static final String[] COMMANDS = {"run", "chat", "tokenize", "template", "info", "embed", "serve", "bench", "quantize", "synth", "pull", "list", "rm", "convert", "export", "bench-serve", "help"};

    @Test
    void helpAndNoArgumentsListEveryCommandInOrder() {
        for (String[] args : new String[][] {{"--help"}, {}}) {
            CliRunner.Result r = CliRunner.run(args);
            assertThat(r.exitCode()).isZero();
            assertThat(r.out()).contains("Usage: caravel");
            int at = 0;
            for (String command : COMMANDS) {
                int next = r.out().indexOf("\n  " + command + " ", at);
                assertThat(next).as(command + " listed after the previous one").isGreaterThan(at);
                at = next;
            }
        }
    }

    @Test
    void helpCommandAndSubcommandHelpStillWork() {
        CliRunner.Result help = CliRunner.run("help", "run");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("Usage: caravel run").contains("--prompt");
        CliRunner.Result own = CliRunner.run("run", "--help");
        assertThat(own.out()).isEqualTo(help.out());
    }

    @Test
    void unknownCommandAndMissingOptionAreUsageErrors() {
        CliRunner.Result unknown = CliRunner.run("bogus");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("bogus");
        CliRunner.Result missing = CliRunner.run("run");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--prompt").contains("caravel run --help");
    }
}
