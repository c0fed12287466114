package dev.llmproxy.core.store;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MigrationScriptTest {

    @ParameterizedTest
    @EnumSource(SqlDialect.class)
    void index_listsExactlyTheScriptsInTheDirectory(SqlDialect dialect) throws IOException, URISyntaxException {
        Path dir = Path.of(getClass().getClassLoader().getResource("db/migration/" + dialect.resourceDir()).toURI());
        List<String> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".sql")).sorted().toList();
        }

        List<String> indexed = MigrationScript.load(dialect).stream().map(MigrationScript::fileName).sorted().toList();

        assertThat(indexed).as("a script missing from index.txt would never be applied").isEqualTo(files);
    }

    @Test
    void dialects_shipTheSameMigrations() {
        List<String> sqlite = MigrationScript.load(SqlDialect.SQLITE).stream()
                .map(s -> s.version() + " " + s.description()).toList();
        List<String> postgres = MigrationScript.load(SqlDialect.POSTGRES).stream()
                .map(s -> s.version() + " " + s.description()).toList();

        assertThat(sqlite).isEqualTo(postgres).startsWith("1 init");
    }

    @Test
    void checksum_ignoresLineEndingStyle_butNotContent() {
        MigrationScript lf = MigrationScript.of("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
        MigrationScript crlf = MigrationScript.of("V1__a.sql", "CREATE TABLE a (id INTEGER);\r\n");
        MigrationScript edited = MigrationScript.of("V1__a.sql", "CREATE TABLE a (id BIGINT);\n");

        assertThat(crlf.checksum()).isEqualTo(lf.checksum()).hasSize(64);
        assertThat(edited.checksum()).isNotEqualTo(lf.checksum());
    }

    @Test
    void fileNames_mustCarryVersionAndDescription() {
        assertThat(MigrationScript.of("V12__add_rate_limits.sql", "").description()).isEqualTo("add rate limits");
        assertThatThrownBy(() -> MigrationScript.of("init.sql", "")).isInstanceOf(MigrationException.class)
                .hasMessageContaining("V<version>__<description>.sql");
        assertThatThrownBy(() -> MigrationScript.of("V0__zero.sql", "")).isInstanceOf(MigrationException.class);
    }

    @Test
    void versions_mustRunWithoutGaps() {
        List<MigrationScript> gap = List.of(MigrationScript.of("V1__a.sql", ""), MigrationScript.of("V3__c.sql", ""));

        assertThatThrownBy(() -> MigrationScript.checkSequence(gap))
                .isInstanceOf(MigrationException.class)
                .hasMessageContaining("V3__c.sql should have version 2");
    }

    @Test
    void split_separatesStatements_dropsComments_respectsQuotes() {
        String script = """
                -- leading comment; with a semicolon
                CREATE TABLE t (a TEXT DEFAULT 'x;y', "we;ird" INTEGER); /* block; comment */
                INSERT INTO t (a) VALUES ('it''s -- not a comment');

                ;
                """;

        assertThat(SqlScript.split(script)).containsExactly(
                "CREATE TABLE t (a TEXT DEFAULT 'x;y', \"we;ird\" INTEGER)",
                "INSERT INTO t (a) VALUES ('it''s -- not a comment')");
        assertThatThrownBy(() -> SqlScript.split("SELECT 'open")).hasMessageContaining("unterminated");
    }
}
