package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.API_TOKENS;
import static dev.firmament.sql.generated.Tables.ORGANIZATION_MEMBERS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.access.GrantCache;
import dev.firmament.api.access.Secrets;
import dev.firmament.api.caller.Role;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Credentials' grants are kept for a short time, and revocation wins: a change committed by any
 * connection (another process, an operator's SQL) drops what was kept, a mutation of this process
 * drops it at once, and nothing is kept while the cache cannot listen for changes.
 */
class GrantCacheTest extends ApiIntegrationTest {
  private static final String VIEWER = "{ login { viewer { actor } } }";

  @Autowired GrantCache grants;
  @Autowired DataSource dataSource;

  @Test
  void aGrantIsReadOnceAndReadAgainAfterAnyCommittedChange() {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(grants::enabled);
    AtomicInteger reads = new AtomicInteger();
    String key = unique("key");
    assertThat(grants.get(key, () -> read(reads, "first"))).contains("first");
    assertThat(grants.get(key, () -> read(reads, "second"))).contains("first");
    assertThat(reads).hasValue(1);

    // A change to a credential, as another process would commit it.
    String token = tokenFor(unique("cache"), Role.OPERATOR);
    dsl.update(API_TOKENS)
        .set(API_TOKENS.SCOPES, "devices:read")
        .where(API_TOKENS.TOKEN_SHA256.eq(Secrets.sha256(token)))
        .execute();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> grants.get(key, () -> read(reads, "third")).orElseThrow().equals("third"));
  }

  @Test
  void aGrantReadWhileAChangeWasAnnouncedIsNotKept() {
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(grants::enabled);
    AtomicInteger reads = new AtomicInteger();
    String key = unique("key");
    grants.get(
        key,
        () -> {
          grants.invalidateAll();
          return read(reads, "before the change");
        });
    assertThat(grants.get(key, () -> read(reads, "after"))).contains("after");
    assertThat(reads).hasValue(2);
  }

  @Test
  void nothingIsKeptForCredentialsThatAreUnknown() {
    AtomicInteger reads = new AtomicInteger();
    String key = unique("key");
    grants.get(key, () -> countedEmpty(reads));
    grants.get(key, () -> countedEmpty(reads));
    assertThat(reads).hasValue(2);
  }

  @Test
  void nothingIsKeptWhileTheCacheCannotListen() {
    GrantCache stopped = new GrantCache(dataSource, Duration.ofMinutes(1));
    AtomicInteger reads = new AtomicInteger();
    stopped.get("k", () -> read(reads, "a"));
    stopped.get("k", () -> read(reads, "b"));
    assertThat(reads).hasValue(2);
    assertThat(stopped.enabled()).isFalse();

    stopped.start();
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(stopped::enabled);
      stopped.get("k", () -> read(reads, "c"));
      assertThat(stopped.get("k", () -> read(reads, "d"))).contains("c");
    } finally {
      stopped.stop();
    }
    assertThat(stopped.enabled()).isFalse();
    assertThat(stopped.get("k", () -> read(reads, "e"))).contains("e");
  }

  @Test
  void aCredentialChangedByHandInTheDatabaseIsRefusedOnceTheChangeIsAnnounced() {
    String organization = unique("cache");
    String revoked = tokenFor(organization, Role.OPERATOR);
    String demoted = tokenFor(organization, Role.OPERATOR);
    // Both used once, so their grants are kept.
    as(revoked).document(VIEWER).execute().errors().verify();
    as(demoted).document(VIEWER).execute().errors().verify();

    dsl.update(API_TOKENS)
        .set(API_TOKENS.REVOKED_AT, OffsetDateTime.now())
        .where(API_TOKENS.TOKEN_SHA256.eq(Secrets.sha256(revoked)))
        .execute();
    dsl.deleteFrom(ORGANIZATION_MEMBERS)
        .where(
            ORGANIZATION_MEMBERS.USER_ID.eq(
                dsl.select(API_TOKENS.USER_ID)
                    .from(API_TOKENS)
                    .where(API_TOKENS.TOKEN_SHA256.eq(Secrets.sha256(demoted)))))
        .execute();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(refused(revoked)).isTrue();
              assertThat(refused(demoted)).isTrue();
            });
  }

  @Test
  void aTokenRevokedThroughTheApiIsRefusedOnTheNextRequest() {
    String token = tokenFor(unique("cache"), Role.OPERATOR);
    as(token).document(VIEWER).execute().errors().verify();
    String id =
        as(token)
            .document("{ login { organization { apiTokens { items { id } } } } }")
            .execute()
            .path("login.organization.apiTokens.items[0].id")
            .entity(String.class)
            .get();
    as(token)
        .document("mutation($id: ID!) { revokeAPIToken(input: {id: $id}) { apiToken { id } } }")
        .variable("id", id)
        .execute()
        .errors()
        .verify();
    // No waiting: this process's own mutation dropped the kept grants.
    assertThat(refused(token)).isTrue();
  }

  private boolean refused(String token) {
    try {
      as(token).document(VIEWER).execute().errors().verify();
      return false;
    } catch (AssertionError | RuntimeException e) {
      return true;
    }
  }

  private static Optional<String> read(AtomicInteger reads, String value) {
    reads.incrementAndGet();
    return Optional.of(value);
  }

  private static Optional<String> countedEmpty(AtomicInteger reads) {
    reads.incrementAndGet();
    return Optional.empty();
  }
}
