package dev.llmproxy.core.project;

import dev.llmproxy.core.auth.TokenFilter;
import dev.llmproxy.core.auth.TokenRecord;
import dev.llmproxy.core.auth.TokenStore;
import dev.llmproxy.core.auth.WitheringTokens;
import dev.llmproxy.core.store.MutableClock;
import dev.llmproxy.core.store.Page;
import dev.llmproxy.core.store.PageRequest;
import dev.llmproxy.core.store.Race;
import dev.llmproxy.core.store.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link ProjectStore} must do. Subclasses (one per backend) supply fresh, empty stores
 * for each test.
 */
public abstract class ProjectStoreContract {

    protected MutableClock clock;
    protected ProjectStore projects;
    protected TokenStore tokens;

    /** Fresh, empty stores of the backend under test, on {@code clock}. */
    protected abstract Stores openStores(MutableClock clock);

    @BeforeEach
    void openBackend() {
        clock = MutableClock.atSomeInstant();
        Stores stores = openStores(clock);
        projects = stores.projects();
        tokens = stores.tokens();
    }

    @Test
    void create_assignsIdTimestampsAndActive_andReadsBackEqual() {
        Project p = projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));

        assertThat(p.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(p.name()).isEqualTo("alpha");
        assertThat(p.apiKey()).isEqualTo("sk-upstream-key-0123456789");
        assertThat(p.isActive()).isTrue();
        assertThat(p.deactivatedAt()).isNull();
        assertThat(p.createdAt()).isEqualTo(clock.instant()).isEqualTo(p.updatedAt());
        assertThat(projects.get(p.id())).contains(p);
        assertThat(projects.findByName("alpha")).contains(p);
    }

    @Test
    void get_andFindByName_unknown_areEmpty() {
        projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));

        assertThat(projects.get("00000000-0000-4000-8000-000000000000")).isEmpty();
        assertThat(projects.findByName("Alpha")).as("names are case-sensitive").isEmpty();
        assertThat(projects.findByName("beta")).isEmpty();
    }

    @Test
    void create_duplicateName_throwsDuplicateNameException_andStoresNothing() {
        projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));

        assertThatThrownBy(() -> projects.create(new NewProject("alpha", "sk-other-key-0123456789")))
                .isInstanceOf(DuplicateNameException.class)
                .hasMessageContaining("'alpha'")
                .satisfies(e -> assertThat(((DuplicateNameException) e).name()).isEqualTo("alpha"));
        assertThat(projects.list(PageRequest.firstPage()).total()).isEqualTo(1);
    }

    @Test
    void create_sameNameConcurrently_exactlyOneWins() throws Exception {
        List<Boolean> created = Race.run(8, () -> {
            try {
                projects.create(new NewProject("contested", "sk-upstream-key-0123456789"));
                return true;
            } catch (DuplicateNameException e) {
                return false;
            }
        });

        assertThat(created).containsOnlyOnce(true);
        assertThat(projects.list(PageRequest.firstPage()).total()).isEqualTo(1);
    }

    @Test
    void list_ordersByNameInCodePointOrder_andPages() {
        for (String name : List.of("delta", "Zeta", "alpha", "charlie", "bravo")) {
            projects.create(new NewProject(name, "sk-upstream-key-0123456789"));
        }

        Page<Project> first = projects.list(new PageRequest(1, 2));
        Page<Project> second = projects.list(new PageRequest(2, 2));
        Page<Project> third = projects.list(new PageRequest(3, 2));

        assertThat(first.items()).extracting(Project::name).containsExactly("Zeta", "alpha");
        assertThat(second.items()).extracting(Project::name).containsExactly("bravo", "charlie");
        assertThat(third.items()).extracting(Project::name).containsExactly("delta");
        assertThat(first.total()).isEqualTo(5);
        assertThat(first.totalPages()).isEqualTo(3);
        assertThat(first.hasNext()).isTrue();
        assertThat(third.hasNext()).isFalse();
    }

    @Test
    void list_pageBeyondTheEnd_isEmptyWithTheCorrectTotal() {
        projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));
        projects.create(new NewProject("beta", "sk-upstream-key-0123456789"));

        Page<Project> page = projects.list(new PageRequest(7, 10));

        assertThat(page.items()).isEmpty();
        assertThat(page.total()).isEqualTo(2);
        assertThat(page.page()).isEqualTo(7);
        assertThat(page.hasNext()).isFalse();
    }

    @Test
    void list_empty_isEmpty() {
        Page<Project> page = projects.list(PageRequest.firstPage());

        assertThat(page.items()).isEmpty();
        assertThat(page.total()).isZero();
        assertThat(page.totalPages()).isZero();
    }

    @Test
    void update_changesGivenFields_andBumpsUpdatedAt() {
        Project p = projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));
        clock.advance(Duration.ofMinutes(5));

        Project renamed = projects.update(p.id(), ProjectUpdate.none().withName("beta")).orElseThrow();
        Project rekeyed = projects.update(p.id(), ProjectUpdate.none().withApiKey("sk-new-key-9876543210"))
                .orElseThrow();

        assertThat(renamed.name()).isEqualTo("beta");
        assertThat(renamed.apiKey()).isEqualTo("sk-upstream-key-0123456789");
        assertThat(renamed.updatedAt()).isEqualTo(clock.instant());
        assertThat(renamed.createdAt()).isEqualTo(p.createdAt());
        assertThat(rekeyed.name()).isEqualTo("beta");
        assertThat(rekeyed.apiKey()).isEqualTo("sk-new-key-9876543210");
        assertThat(projects.get(p.id())).contains(rekeyed);
        assertThat(projects.findByName("alpha")).isEmpty();
    }

    @Test
    void update_empty_onlyBumpsUpdatedAt() {
        Project p = projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));
        clock.advance(Duration.ofSeconds(1));

        Project same = projects.update(p.id(), ProjectUpdate.none()).orElseThrow();

        assertThat(same).isEqualTo(new Project(p.id(), p.name(), p.apiKey(), true, null, p.createdAt(),
                clock.instant()));
    }

    @Test
    void update_deactivateSetsDeactivatedAt_reactivateClearsIt() {
        Project p = projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));
        clock.advance(Duration.ofMinutes(1));
        Instant deactivation = clock.instant();

        Project off = projects.update(p.id(), ProjectUpdate.none().withActive(false)).orElseThrow();
        clock.advance(Duration.ofMinutes(1));
        Project stillOff = projects.update(p.id(), ProjectUpdate.none().withActive(false)).orElseThrow();
        Project on = projects.update(p.id(), ProjectUpdate.none().withActive(true)).orElseThrow();

        assertThat(off.isActive()).isFalse();
        assertThat(off.deactivatedAt()).isEqualTo(deactivation);
        assertThat(stillOff.deactivatedAt()).as("deactivating again keeps the first time").isEqualTo(deactivation);
        assertThat(on.isActive()).isTrue();
        assertThat(on.deactivatedAt()).isNull();
        assertThat(projects.get(p.id())).contains(on);
    }

    @Test
    void update_unknownId_isEmpty() {
        assertThat(projects.update("no-such-project", ProjectUpdate.none().withName("x"))).isEmpty();
    }

    @Test
    void update_renameToATakenName_throwsDuplicateNameException_andChangesNothing() {
        projects.create(new NewProject("alpha", "sk-upstream-key-0123456789"));
        Project beta = projects.create(new NewProject("beta", "sk-upstream-key-0123456789"));

        assertThatThrownBy(() -> projects.update(beta.id(), ProjectUpdate.none().withName("alpha")))
                .isInstanceOf(DuplicateNameException.class);
        assertThat(projects.get(beta.id())).contains(beta);
        assertThat(projects.update(beta.id(), ProjectUpdate.none().withName("beta"))).as("own name is fine")
                .isPresent();
    }

    @Test
    void delete_removesTheProjectAndItsTokens_only() {
        Project doomed = projects.create(new NewProject("doomed", "sk-upstream-key-0123456789"));
        Project kept = projects.create(new NewProject("kept", "sk-upstream-key-0123456789"));
        String doomedHash = WitheringTokens.hash(WitheringTokens.generate());
        TokenRecord doomedToken = tokens.create(TokenRecord.issue(doomedHash, doomed.id(), clock.instant(), null, null, null));
        TokenRecord keptToken = tokens.create(TokenRecord.issue(WitheringTokens.hash(WitheringTokens.generate()),
                kept.id(), clock.instant(), null, 5L, null));

        assertThat(projects.delete(doomed.id())).isTrue();

        assertThat(projects.get(doomed.id())).isEmpty();
        assertThat(tokens.get(doomedToken.id())).isEmpty();
        assertThat(tokens.findByHash(doomedHash)).isEmpty();
        assertThat(tokens.list(TokenFilter.all(), PageRequest.firstPage()).items()).containsExactly(keptToken);
        assertThat(projects.get(kept.id())).contains(kept);
        assertThat(projects.delete(doomed.id())).as("second delete").isFalse();
    }

    @Test
    void namesThatLookLikeSqlInjection_areStoredAndReadBackVerbatim() {
        List<String> names = List.of("'); DROP TABLE projects;--", "Robert\"); DELETE FROM tokens; --",
                "x' OR '1'='1", "100% _wild_ \\card", "Ünïcødé \uD83D\uDE80 名前");
        List<Project> created = new ArrayList<>();
        for (String name : names) {
            created.add(projects.create(new NewProject(name, "sk-key-with-'quotes'-and-\"dq\"-0123")));
        }

        for (Project p : created) {
            assertThat(projects.get(p.id())).contains(p);
            assertThat(projects.findByName(p.name())).contains(p);
        }
        assertThat(projects.list(PageRequest.first(50)).items()).extracting(Project::name)
                .containsExactlyInAnyOrderElementsOf(names);
        assertThat(projects.findByName("x' OR '1'='1").orElseThrow().apiKey())
                .isEqualTo("sk-key-with-'quotes'-and-\"dq\"-0123");
    }

    @Test
    void encryptPlaintextKeys_withoutAKey_isRefused() {
        assertThatThrownBy(() -> projects.encryptPlaintextKeys(ApiKeyCipher.none()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ENCRYPTION_KEY");
    }
}
