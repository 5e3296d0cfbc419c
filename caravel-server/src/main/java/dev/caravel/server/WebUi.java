package dev.caravel.server;

import dev.caravel.server.chats.ChatsApi;
import dev.caravel.server.chats.ConversationStore;
import dev.caravel.server.web.StaticFiles;

/**
 * The web chat UI's routes: the page and its assets (open, so a browser can load the page and then ask for the API
 * key) and, when there is a store, the saved conversations under {@code /api/chats} (behind the API key like the
 * rest of the API). Kept apart from {@link CaravelServer#start} so the UI is one line there.
 */
final class WebUi {
    private WebUi() {
    }

    static Routes register(Routes routes, ConversationStore store) {
        StaticFiles files = new StaticFiles("/web/");
        routes.open("GET", "/", call -> files.serve(call, "index.html"))
                .open("GET", "/ui/{id}", call -> files.serve(call,
                        call.exchange().getRequestURI().getPath().substring("/ui/".length())));
        if (store != null) {
            ChatsApi chats = new ChatsApi(store);
            routes.add("GET", "/api/chats", chats::list)
                    .add("POST", "/api/chats", chats::create);
            for (String method : new String[]{"GET", "PATCH", "DELETE", "POST", "PUT"}) {
                routes.add(method, "/api/chats/{id}", chats::item);
            }
        }
        return routes;
    }
}
