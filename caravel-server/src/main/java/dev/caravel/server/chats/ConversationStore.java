package dev.caravel.server.chats;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The web UI's conversations, in one SQLite file ({@code chats.db}) in the user's data directory.
 *
 * <p>Crash safety: WAL journal with {@code synchronous=FULL}, so a call that returned has its transaction fsynced
 * and survives a {@code kill -9} or a power cut; every mutating call is one transaction, so a crash never leaves
 * half a save. One connection under a lock: SQLite has a single writer anyway, and a chat UI's load is a few
 * saves a minute, so a pool would buy nothing but {@code SQLITE_BUSY} handling.
 */
public final class ConversationStore implements AutoCloseable {
    /** The schema this code writes; kept in {@code PRAGMA user_version} so later versions can migrate. */
    static final int SCHEMA_VERSION = 1;
    public static final String FILE_NAME = "chats.db";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();
    private final Path file;
    /** Last timestamp handed out: updates get strictly increasing times, so "most recent first" is a total order. */
    private long lastTime;

    private ConversationStore(Connection db, Path file) {
        this.db = db;
        this.file = file;
    }

    /** {@code $XDG_DATA_HOME/caravel}, else {@code ~/.local/share/caravel}. */
    public static Path defaultDirectory() {
        String xdg = System.getenv("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "caravel");
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "caravel");
    }

    /** Opens (creating when needed) the store in {@code dir}. */
    public static ConversationStore open(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new StoreException("cannot create the data directory " + dir + ": " + e.getMessage(), e);
        }
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=10000");
            }
            ConversationStore store = new ConversationStore(c, file);
            store.migrate();
            return store;
        } catch (SQLException e) {
            closeQuietly(c);
            throw new StoreException("cannot open the conversation database " + file + ": " + e.getMessage(), e);
        }
    }

    private void migrate() throws SQLException {
        try (Statement s = db.createStatement()) {
            int version;
            try (ResultSet r = s.executeQuery("PRAGMA user_version")) {
                version = r.next() ? r.getInt(1) : 0;
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException("the database was written by a newer Caravel (schema " + version + ")");
            }
            if (version == SCHEMA_VERSION) {
                return;
            }
            db.setAutoCommit(false);
            try {
                s.execute("""
                        CREATE TABLE conversations (
                          id TEXT PRIMARY KEY,
                          title TEXT NOT NULL,
                          model TEXT,
                          system_prompt TEXT NOT NULL DEFAULT '',
                          created_at INTEGER NOT NULL,
                          updated_at INTEGER NOT NULL)""");
                s.execute("CREATE INDEX conversations_by_update ON conversations(updated_at DESC)");
                s.execute("""
                        CREATE TABLE messages (
                          conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                          seq INTEGER NOT NULL,
                          role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
                          content TEXT NOT NULL,
                          model TEXT,
                          tokens_per_second REAL,
                          created_at INTEGER NOT NULL,
                          PRIMARY KEY (conversation_id, seq))""");
                s.execute("PRAGMA user_version=" + SCHEMA_VERSION);
                db.commit();
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        }
    }

    public Path file() {
        return file;
    }

    /** All conversations, most recently updated first (without their messages). */
    public List<Conversation> list() {
        return read(() -> {
            try (PreparedStatement p = db.prepareStatement(SELECT_CONVERSATION + " ORDER BY c.updated_at DESC, c.id")) {
                return conversations(p);
            }
        });
    }

    public Optional<Conversation> get(String id) {
        return read(() -> Optional.ofNullable(find(id)));
    }

    /** A conversation's messages in order; empty when there is no such conversation. */
    public List<Message> messages(String id) {
        return read(() -> {
            List<Message> out = new ArrayList<>();
            try (PreparedStatement p = db.prepareStatement("SELECT role, content, model, tokens_per_second, created_at "
                    + "FROM messages WHERE conversation_id = ? ORDER BY seq")) {
                p.setString(1, id);
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        double tps = r.getDouble(4);
                        out.add(new Message(r.getString(1), r.getString(2), r.getString(3), r.wasNull() ? null : tps,
                                r.getLong(5)));
                    }
                }
            }
            return out;
        });
    }

    /** A new conversation with its first messages (possibly none), in one transaction. */
    public Conversation create(String title, String model, String systemPrompt, List<Message> messages) {
        return write(() -> {
            String id = newId();
            long now = tick();
            try (PreparedStatement p = db.prepareStatement("INSERT INTO conversations "
                    + "(id, title, model, system_prompt, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                p.setString(1, id);
                p.setString(2, title);
                p.setString(3, model);
                p.setString(4, systemPrompt == null ? "" : systemPrompt);
                p.setLong(5, now);
                p.setLong(6, now);
                p.executeUpdate();
            }
            insertMessages(id, 0, messages, now);
            return find(id);
        });
    }

    /** Changes the fields given (null: unchanged); empty when there is no such conversation. */
    public Optional<Conversation> update(String id, String title, String model, String systemPrompt) {
        return write(() -> {
            Conversation c = find(id);
            if (c == null) {
                return Optional.empty();
            }
            try (PreparedStatement p = db.prepareStatement(
                    "UPDATE conversations SET title = ?, model = ?, system_prompt = ?, updated_at = ? WHERE id = ?")) {
                p.setString(1, title != null ? title : c.title());
                p.setString(2, model != null ? model : c.model());
                p.setString(3, systemPrompt != null ? systemPrompt : c.systemPrompt());
                p.setLong(4, tick());
                p.setString(5, id);
                p.executeUpdate();
            }
            return Optional.of(find(id));
        });
    }

    /** Adds messages after the last one; empty when there is no such conversation. */
    public Optional<Conversation> append(String id, List<Message> messages) {
        return write(() -> {
            if (find(id) == null) {
                return Optional.empty();
            }
            int next;
            try (PreparedStatement p = db.prepareStatement(
                    "SELECT COALESCE(MAX(seq) + 1, 0) FROM messages WHERE conversation_id = ?")) {
                p.setString(1, id);
                try (ResultSet r = p.executeQuery()) {
                    next = r.next() ? r.getInt(1) : 0;
                }
            }
            touch(id, insertMessages(id, next, messages, tick()));
            return Optional.of(find(id));
        });
    }

    /** Replaces all of a conversation's messages (regenerating, editing); empty when there is no such conversation. */
    public Optional<Conversation> replace(String id, List<Message> messages) {
        return write(() -> {
            if (find(id) == null) {
                return Optional.empty();
            }
            try (PreparedStatement p = db.prepareStatement("DELETE FROM messages WHERE conversation_id = ?")) {
                p.setString(1, id);
                p.executeUpdate();
            }
            touch(id, insertMessages(id, 0, messages, tick()));
            return Optional.of(find(id));
        });
    }

    /** Deletes a conversation and its messages; false when there was none. */
    public boolean delete(String id) {
        return write(() -> {
            try (PreparedStatement p = db.prepareStatement("DELETE FROM conversations WHERE id = ?")) {
                p.setString(1, id);
                return p.executeUpdate() > 0;
            }
        });
    }

    /** SQLite's own check of every page and index: "ok" when the file is sound. */
    public String integrityCheck() {
        return read(() -> {
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
                StringBuilder sb = new StringBuilder();
                while (r.next()) {
                    sb.append(sb.isEmpty() ? "" : "\n").append(r.getString(1));
                }
                return sb.toString();
            }
        });
    }

    @Override
    public void close() {
        lock.lock();
        try {
            db.close();
        } catch (SQLException e) {
            throw new StoreException("closing the conversation database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    // ---- helpers (all called with the lock held) ----

    private static final String SELECT_CONVERSATION = "SELECT c.id, c.title, c.model, c.system_prompt, c.created_at, "
            + "c.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) FROM conversations c";

    private Conversation find(String id) throws SQLException {
        try (PreparedStatement p = db.prepareStatement(SELECT_CONVERSATION + " WHERE c.id = ?")) {
            p.setString(1, id);
            List<Conversation> found = conversations(p);
            return found.isEmpty() ? null : found.get(0);
        }
    }

    private static List<Conversation> conversations(PreparedStatement p) throws SQLException {
        List<Conversation> out = new ArrayList<>();
        try (ResultSet r = p.executeQuery()) {
            while (r.next()) {
                out.add(new Conversation(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getLong(5),
                        r.getLong(6), r.getInt(7)));
            }
        }
        return out;
    }

    private long insertMessages(String id, int firstSeq, List<Message> messages, long now) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO messages (conversation_id, seq, role, content, "
                + "model, tokens_per_second, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            int seq = firstSeq;
            for (Message m : messages) {
                p.setString(1, id);
                p.setInt(2, seq++);
                p.setString(3, m.role());
                p.setString(4, m.content());
                p.setString(5, m.model());
                if (m.tokensPerSecond() == null) {
                    p.setNull(6, Types.REAL);
                } else {
                    p.setDouble(6, m.tokensPerSecond());
                }
                // A message keeps the time the page gave it (when it was written), else the time of saving.
                p.setLong(7, m.created() > 0 ? m.created() : now);
                p.addBatch();
            }
            p.executeBatch();
        }
        return now;
    }

    private void touch(String id, long now) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("UPDATE conversations SET updated_at = ? WHERE id = ?")) {
            p.setLong(1, now);
            p.setString(2, id);
            p.executeUpdate();
        }
    }

    private long tick() {
        lastTime = Math.max(System.currentTimeMillis(), lastTime + 1);
        return lastTime;
    }

    private static String newId() {
        StringBuilder sb = new StringBuilder("c");
        for (int i = 0; i < 15; i++) {
            sb.append(ID_CHARS[RANDOM.nextInt(ID_CHARS.length)]);
        }
        return sb.toString();
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    private <T> T read(Work<T> work) {
        lock.lock();
        try {
            return work.run();
        } catch (SQLException e) {
            throw new StoreException("reading conversations failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** One transaction: all of it is stored (and fsynced) when this returns, or none of it. */
    private <T> T write(Work<T> work) {
        lock.lock();
        try {
            db.setAutoCommit(false);
            try {
                T result = work.run();
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("saving conversations failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already failing; the first error is the one to report
            }
        }
    }
}
