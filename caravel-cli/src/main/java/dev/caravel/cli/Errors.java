package dev.caravel.cli;

import dev.caravel.engine.ContextOverflowException;
import dev.caravel.format.gguf.GgufFormatException;
import dev.caravel.model.ModelException;
import dev.caravel.template.TemplateException;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Turns exceptions into one clear line on stderr and an exit code. */
final class Errors {
    private Errors() {
    }

    static int report(Exception e) {
        boolean debug = "1".equals(System.getenv("CARAVEL_DEBUG"));
        if (debug) {
            e.printStackTrace();
        }
        String message = switch (e) {
            case GgufFormatException g -> g.getMessage();
            case dev.caravel.format.safetensors.SafetensorsFormatException s -> s.getMessage();
            case ModelException m -> m.getMessage();
            case ContextOverflowException c -> c.getMessage();
            case TemplateException t -> "template error: " + t.getMessage();
            case UsageException u -> u.getMessage();
            case dev.caravel.tools.hub.HubException h -> h.getMessage();
            case IllegalArgumentException i -> i.getMessage();
            case UnsupportedOperationException u -> u.getMessage();
            case UncheckedIOException io -> io.getCause().getMessage();
            case IOException io -> io.getMessage();
            default -> null;
        };
        if (message == null) {
            message = "internal error: " + e + (debug ? "" : " (run with CARAVEL_DEBUG=1 for details)");
            System.err.println("caravel: " + message);
            return 2;
        }
        System.err.println("caravel: " + message);
        return 1;
    }
}
