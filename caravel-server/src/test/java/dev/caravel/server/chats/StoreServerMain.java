package dev.caravel.server.chats;

import dev.caravel.server.CaravelServer;
import dev.caravel.server.models.ModelRegistry;

import java.nio.file.Path;

/**
 * A server with no models and a conversation store in {@code args[0]}, for {@link CrashSafetyTest}: it prints
 * {@code PORT n} once it listens, then serves until it is killed.
 */
public final class StoreServerMain {
    private StoreServerMain() {
    }

    public static void main(String[] args) throws Exception {
        ConversationStore store = ConversationStore.open(Path.of(args[0]));
        CaravelServer server = CaravelServer.start(new ModelRegistry(),
                new CaravelServer.Options("127.0.0.1", 0, null, CaravelServer.DEFAULT_MAX_BODY), store);
        System.out.println("PORT " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
