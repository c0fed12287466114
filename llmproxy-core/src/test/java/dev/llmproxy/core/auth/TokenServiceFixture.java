package dev.llmproxy.core.auth;

import dev.llmproxy.core.project.NewProject;
import dev.llmproxy.core.project.Project;
import dev.llmproxy.core.store.InMemoryProjectStore;
import dev.llmproxy.core.store.InMemoryTokenStore;

import java.time.Clock;
import java.time.Duration;

import static org.mockito.Mockito.spy;

/**
 * In-memory stores for {@link TokenService} tests (the token store a Mockito spy, so a test can
 * verify which store calls the service makes) and tokens issued into them.
 */
final class TokenServiceFixture {

    final Clock clock = Clock.systemUTC();
    final InMemoryProjectStore projects = new InMemoryProjectStore(clock);
    final InMemoryTokenStore store = spy(new InMemoryTokenStore(projects, clock));

    /** A new project and a token of it, valid for an hour, with {@code maxRequests}; returns the secret. */
    String issue(String projectPrefix, long maxRequests) {
        Project project = projects.create(new NewProject(projectPrefix + System.nanoTime(), "sk-upstream"));
        String token = WitheringTokens.generate();
        store.create(TokenRecord.issue(WitheringTokens.hash(token), project.id(), clock.instant(),
                clock.instant().plus(Duration.ofHours(1)), maxRequests, null));
        return token;
    }

    static AuthResult authorize(TokenService service, String token) {
        return service.authorize("Bearer " + token).toCompletableFuture().join();
    }
}
