package dev.caravel.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.caravel.template.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** {@code caravel template render}: render a Jinja chat template with a JSON context. */
@Command(name = "template", description = "Chat template tools.", mixinStandardHelpOptions = true,
        subcommands = TemplateCommand.Render.class)
final class TemplateCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "render", description = "Render TEMPLATE.jinja with the variables in CONTEXT.json.", mixinStandardHelpOptions = true)
    static final class Render implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TEMPLATE.jinja")
        Path template;

        @Parameters(index = "1", paramLabel = "CONTEXT.json",
                description = "A JSON object: messages, tools, add_generation_prompt, bos_token, eos_token, …")
        Path context;

        @Override
        public Integer call() throws Exception {
            for (Path p : new Path[]{template, context}) {
                if (!Files.isRegularFile(p)) {
                    throw new UsageException(p + ": no such file");
                }
            }
            String source = Files.readString(template, StandardCharsets.UTF_8);
            Object vars;
            try {
                vars = new ObjectMapper().readValue(context.toFile(), Object.class);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new UsageException(context + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (!(vars instanceof Map<?, ?> map)) {
                throw new UsageException(context + ": must hold a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> variables = (Map<String, Object>) map;
            String rendered = ChatTemplate.compile(source).render(variables);
            PrintStream out = Main.stdout();
            out.print(rendered);
            out.flush();
            return 0;
        }
    }
}
