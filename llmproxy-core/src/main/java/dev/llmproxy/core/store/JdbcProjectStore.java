package dev.llmproxy.core.store;

import dev.llmproxy.core.project.ApiKeyCipher;
import dev.llmproxy.core.project.DuplicateNameException;
import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.project.ProjectStore;
import dev.llmproxy.core.project.ProjectUpdate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * {@link ProjectStore} on a {@link Database} (table {@code projects}).
 *
 * <p>API keys are encrypted with the {@link ApiKeyCipher} on the way in and decrypted on the way
 * out; with {@link ApiKeyCipher#none()} they are stored in plaintext (the server warns about that,
 * and {@code REQUIRE_ENCRYPTION_KEY=true} forbids it). A key that cannot be decrypted makes the read
 * throw {@link dev.llmproxy.core.project.KeyDecryptionException}.
 *
 * <p>Each call is one or two statements on a pooled connection; blocking, thread-safe. Updates lock
 * the row (PostgreSQL) or the database (SQLite) between read and write.
 */
public final class JdbcProjectStore implements ProjectStore {

    private static final String COLUMNS = "id, name, api_key, is_active, deactivated_at, created_at, updated_at";

    private final Database db;
    private final SqlDialect dialect;
    private final ApiKeyCipher cipher;
    private final Clock clock;

    /** A store using the system clock. */
    public JdbcProjectStore(Database db, ApiKeyCipher cipher) {
        this(db, cipher, Clock.systemUTC());
    }

    /** A store using {@code clock} for timestamps (tests). */
    public JdbcProjectStore(Database db, ApiKeyCipher cipher, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.dialect = db.dialect();
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Project create(NewProject project) {
        Objects.requireNonNull(project, "project");
        Instant now = SqlDialect.micros(clock.instant());
        Project created = new Project(UUID.randomUUID().toString(), project.name(), project.apiKey(), true, null,
                now, now);
        return db.call("creating a project", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO projects (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, created.id());
                ps.setString(2, created.name());
                ps.setString(3, cipher.encrypt(created.apiKey()));
                ps.setBoolean(4, true);
                dialect.setInstant(ps, 5, null);
                dialect.setInstant(ps, 6, now);
                dialect.setInstant(ps, 7, now);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw translate(e, created.name());
            }
            return created;
        });
    }

    @Override
    public Optional<Project> get(String id) {
        Objects.requireNonNull(id, "id");
        return db.call("reading a project", c -> selectOne(c, "SELECT " + COLUMNS + " FROM projects WHERE id = ?", id));
    }

    @Override
    public Optional<Project> findByName(String name) {
        Objects.requireNonNull(name, "name");
        return db.call("reading a project", c -> selectOne(c, "SELECT " + COLUMNS + " FROM projects WHERE name = ?", name));
    }

    @Override
    public Page<Project> list(PageRequest page) {
        Objects.requireNonNull(page, "page");
        return db.call("listing projects", c -> {
            long total;
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM projects");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                total = rs.getLong(1);
            }
            List<Project> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM projects ORDER BY name LIMIT ? OFFSET ?")) {
                ps.setInt(1, page.pageSize());
                ps.setLong(2, page.offset());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(read(rs));
                    }
                }
            }
            return new Page<>(items, total, page.page(), page.pageSize());
        });
    }

    @Override
    public Optional<Project> update(String id, ProjectUpdate update) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(update, "update");
        return db.transaction("updating a project", c -> {
            Optional<Project> current = selectOne(c,
                    "SELECT " + COLUMNS + " FROM projects WHERE id = ?" + dialect.forUpdate(), id);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            Project next = update.applyTo(current.get(), SqlDialect.micros(clock.instant()));
            try (PreparedStatement ps = c.prepareStatement("UPDATE projects SET name = ?, api_key = ?, is_active = ?, "
                    + "deactivated_at = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, next.name());
                // An unchanged key is re-encrypted too: cheap, and a plaintext legacy row gets encrypted.
                ps.setString(2, cipher.encrypt(next.apiKey()));
                ps.setBoolean(3, next.isActive());
                dialect.setInstant(ps, 4, next.deactivatedAt());
                dialect.setInstant(ps, 5, next.updatedAt());
                ps.setString(6, id);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw translate(e, next.name());
            }
            return Optional.of(next);
        });
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        // Tokens go with it through ON DELETE CASCADE (SQLite connections run with foreign_keys=ON).
        return db.call("deleting a project", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM projects WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int encryptPlaintextKeys(ApiKeyCipher target) {
        Objects.requireNonNull(target, "target");
        if (!target.isEnabled()) {
            throw new IllegalArgumentException("encrypting stored API keys needs an ENCRYPTION_KEY");
        }
        record Row(String id, String apiKey) {
        }
        List<Row> plaintext = db.call("finding plaintext API keys", c -> {
            List<Row> rows = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, api_key FROM projects WHERE api_key NOT LIKE ? AND api_key <> ''")) {
                ps.setString(1, ApiKeyCipher.PREFIX + "%");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new Row(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            return rows;
        });
        int converted = 0;
        for (Row row : plaintext) {
            // Conditional on the old value, so a key changed meanwhile is not overwritten with the stale one.
            converted += db.call("encrypting an API key", c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE projects SET api_key = ? WHERE id = ? AND api_key = ?")) {
                    ps.setString(1, target.encrypt(row.apiKey()));
                    ps.setString(2, row.id());
                    ps.setString(3, row.apiKey());
                    return ps.executeUpdate();
                }
            });
        }
        if (converted > 0) {
            db.call("removing the replaced plaintext keys from the database files", c -> {
                dialect.purgeOldVersions(c);
                return null;
            });
        }
        return converted;
    }

    private Optional<Project> selectOne(Connection c, String sql, String param) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private Project read(ResultSet rs) throws SQLException {
        return new Project(rs.getString("id"), rs.getString("name"), cipher.decrypt(rs.getString("api_key")),
                rs.getBoolean("is_active"), dialect.getInstant(rs, "deactivated_at"),
                dialect.getInstant(rs, "created_at"), dialect.getInstant(rs, "updated_at"));
    }

    private SQLException translate(SQLException e, String name) {
        if (dialect.isUniqueViolation(e)) {
            throw new DuplicateNameException(name, e);
        }
        return e;
    }
}
