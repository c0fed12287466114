package dev.llmproxy.core.project;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProjectTest {

    private static final String KEY = "sk-proj-verysecretkeyvalue123456";
    private static final Instant T = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void toStrings_neverPrintTheKey() {
        Project p = new Project("id-1", "alpha", KEY, true, null, T, T);

        assertThat(p.toString()).doesNotContain("secret").doesNotContain("3456").contains("alpha", "[redacted]");
        assertThat(new NewProject("alpha", KEY).toString()).doesNotContain("secret");
        assertThat(ProjectUpdate.none().withApiKey(KEY).toString()).doesNotContain("secret").contains("[redacted]");
        assertThat(ProjectUpdate.none().withName("n").toString()).contains("apiKey=unchanged");
    }

    @Test
    void newProject_validatesNameAndKey() {
        assertThatThrownBy(() -> new NewProject(" ", KEY)).hasMessage("project name must not be empty");
        assertThatThrownBy(() -> new NewProject("x".repeat(256), KEY))
                .hasMessage("project name must be at most 255 characters, got 256");
        assertThatThrownBy(() -> new NewProject("ok", "sk-p...abcd")).hasMessageContaining("obfuscated");
        assertThat(new NewProject("x".repeat(255), KEY).name()).hasSize(255);
    }

    @Test
    void projectUpdate_collectsChanges_immutably() {
        ProjectUpdate none = ProjectUpdate.none();
        ProjectUpdate rename = none.withName("beta");

        assertThat(none.isEmpty()).isTrue();
        assertThat(rename.name()).contains("beta");
        assertThat(rename.apiKey()).isEmpty();
        assertThat(rename.active()).isEmpty();
        assertThat(none.name()).as("withers do not change the original").isEmpty();
        assertThat(rename.withActive(false).active()).contains(false);
        assertThat(rename).isEqualTo(ProjectUpdate.none().withName("beta")).hasSameHashCodeAs(none.withName("beta"));
        assertThatThrownBy(() -> none.withApiKey("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void projectUpdate_applyTo_tracksDeactivation() {
        Project p = new Project("id-1", "alpha", KEY, true, null, T, T);
        Instant later = T.plusSeconds(60);

        Project off = ProjectUpdate.none().withActive(false).applyTo(p, later);
        Project on = ProjectUpdate.none().withActive(true).applyTo(off, later.plusSeconds(1));

        assertThat(off.deactivatedAt()).isEqualTo(later);
        assertThat(off.updatedAt()).isEqualTo(later);
        assertThat(off.createdAt()).isEqualTo(T);
        assertThat(on.deactivatedAt()).isNull();
        assertThat(on.isActive()).isTrue();
    }
}
