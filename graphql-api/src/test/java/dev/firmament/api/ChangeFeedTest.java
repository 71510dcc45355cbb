package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.live.ChangeCursor;
import dev.firmament.api.live.ChangeEvent;
import dev.firmament.api.live.ChangeEvent.Kind;
import dev.firmament.api.live.ChangeEventRepository;
import dev.firmament.api.live.ChangeFeed;
import dev.firmament.api.live.ChangeFilter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import reactor.core.Disposable;

/**
 * The change feed behind live subscriptions: rows the database writes in the changing transaction,
 * whichever process changed it, read in an order no later commit can break, and stored for
 * subscribers that resume. Changes are made here on a JDBC connection of their own, as another
 * process would make them: nothing passes through the API's memory.
 */
class ChangeFeedTest extends ApiIntegrationTest {
  private static final Set<Kind> DEVICE_KINDS =
      EnumSet.of(Kind.DEVICE_ONLINE, Kind.DEVICE_OFFLINE, Kind.DEVICE_VERSION);

  @Autowired ChangeFeed feed;
  @Autowired ChangeEventRepository events;

  @Test
  void aChangeCommittedElsewhereReachesTheLiveFeedAndIsStoredForResuming() throws Exception {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("feed"), 2);
    UUID organizationId = organizationOf(ids.get(0));
    ChangeFilter filter =
        new ChangeFilter(organizationId, DEVICE_KINDS, null, ids.get(0), null, null, null);
    List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
    Disposable subscription = feed.live(100).filter(filter).subscribe(seen::add);
    try {
      ChangeCursor before = events.head();
      try (Connection other = otherProcess()) {
        update(other, "update devices set online = true where id = ?", ids.get(0));
        update(other, "update devices set online = true where id = ?", ids.get(1));
        update(other, "update devices set firmware_version = '1.1.0' where id = ?", ids.get(0));
        // Not a change: the same version again.
        update(other, "update devices set firmware_version = '1.1.0' where id = ?", ids.get(0));
        update(other, "update devices set online = false where id = ?", ids.get(0));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() >= 3);
      assertThat(seen)
          .extracting(ChangeEvent::kind, ChangeEvent::state, ChangeEvent::previous)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(Kind.DEVICE_ONLINE, "1.0.0", "1.0.0"),
              org.assertj.core.groups.Tuple.tuple(Kind.DEVICE_VERSION, "1.1.0", "1.0.0"),
              org.assertj.core.groups.Tuple.tuple(Kind.DEVICE_OFFLINE, "1.1.0", "1.1.0"));
      assertThat(seen).allMatch(e -> e.productId().toString().equals(productId));
      assertThat(seen).extracting(ChangeEvent::cursor).isSorted();

      // What a subscriber that saw nothing since `before` is replayed: the same events.
      assertThat(events.replay(filter, before, feed.position(), 1000)).isEqualTo(seen);
      // Resuming after the first gives the rest.
      assertThat(events.replay(filter, seen.get(0).cursor(), feed.position(), 1000))
          .isEqualTo(seen.subList(1, 3));
      // Pages: one at a time, each after the last.
      assertThat(events.replay(filter, before, feed.position(), 1)).containsExactly(seen.get(0));
    } finally {
      subscription.dispose();
    }
  }

  @Test
  void aRowOfAnOlderTransactionStillOpenHoldsBackLaterRowsUntilItCommits() throws Exception {
    String productId = createProduct();
    List<String> ids = registerDevices(productId, unique("order"), 2);
    UUID organizationId = organizationOf(ids.get(0));
    ChangeFilter filter =
        new ChangeFilter(
            organizationId, DEVICE_KINDS, null, null, UUID.fromString(productId), null, null);
    List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
    Disposable subscription = feed.live(100).filter(filter).subscribe(seen::add);
    try (Connection older = otherProcess();
        Connection later = otherProcess()) {
      older.setAutoCommit(false);
      update(older, "update devices set online = true where id = ?", ids.get(0));
      update(later, "update devices set online = true where id = ?", ids.get(1));
      // The later transaction committed first; its row waits for the older one, which may still
      // add rows before it. Several poll intervals pass without it being handed out.
      Thread.sleep(1_500);
      assertThat(seen).isEmpty();
      older.commit();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
      assertThat(seen).extracting(ChangeEvent::deviceId).containsExactly(ids.get(0), ids.get(1));
    } finally {
      subscription.dispose();
    }
  }

  @Test
  void theStoredFilterSelectsWhatTheLiveFilterKeeps() throws Exception {
    UUID org = UUID.randomUUID();
    UUID otherOrg = UUID.randomUUID();
    UUID job = UUID.randomUUID();
    UUID otherJob = UUID.randomUUID();
    UUID product = UUID.randomUUID();
    ChangeCursor before = events.head();
    try (Connection other = otherProcess()) {
      // Rows as the triggers write them, in every combination the filters tell apart.
      for (UUID o : List.of(org, otherOrg)) {
        for (UUID j : List.of(job, otherJob)) {
          for (String state : List.of("SENT", "FAILED")) {
            for (int stage = 0; stage < 2; stage++) {
              insertEvent(other, o, "OTA_RESULT", j, "dev-" + stage, product, stage, state);
            }
          }
        }
        insertEvent(other, o, "DEVICE_ONLINE", null, "dev-0", product, null, "1.0.0");
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !feed.position().equals(before));
    List<ChangeFilter> filters =
        List.of(
            new ChangeFilter(org, Set.of(Kind.OTA_RESULT), null, null, null, null, null),
            new ChangeFilter(org, Set.of(Kind.OTA_RESULT), job, null, null, null, null),
            new ChangeFilter(org, Set.of(Kind.OTA_RESULT), job, "dev-1", null, null, null),
            new ChangeFilter(org, Set.of(Kind.OTA_RESULT), null, null, product, 1, null),
            new ChangeFilter(
                org, Set.of(Kind.OTA_RESULT), otherJob, null, null, null, Set.of("FAILED")),
            new ChangeFilter(org, DEVICE_KINDS, null, "dev-0", product, null, null),
            new ChangeFilter(otherOrg, EnumSet.allOf(Kind.class), null, null, null, null, null));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> events.replay(filters.getLast(), before, feed.position(), 1000).size() == 9);
    List<ChangeEvent> all =
        events.replay(
            new ChangeFilter(org, EnumSet.allOf(Kind.class), null, null, null, null, null),
            before,
            feed.position(),
            1000);
    List<ChangeEvent> everyOrganization = new java.util.ArrayList<>(all);
    everyOrganization.addAll(events.replay(filters.getLast(), before, feed.position(), 1000));
    assertThat(all).hasSize(9);
    int[] expected = {8, 4, 2, 4, 2, 1, 9};
    for (int i = 0; i < filters.size(); i++) {
      ChangeFilter filter = filters.get(i);
      List<ChangeEvent> stored = events.replay(filter, before, feed.position(), 1000);
      assertThat(stored).as("filter %d", i).hasSize(expected[i]);
      assertThat(stored)
          .as("filter %d", i)
          .isEqualTo(
              everyOrganization.stream()
                  .filter(filter)
                  .sorted(java.util.Comparator.comparing(ChangeEvent::cursor))
                  .toList());
    }
  }

  @Test
  void eventsPastTheRetentionAreDeletedAndACursorBeforeThemIsRefused(
      @Autowired dev.firmament.api.live.LiveController live) throws Exception {
    UUID org = UUID.randomUUID();
    ChangeCursor before = events.head();
    try (Connection other = otherProcess();
        PreparedStatement old =
            other.prepareStatement(
                "insert into change_events (organization_id, kind, device_id, recorded_at)"
                    + " values (?, 'DEVICE_ONLINE', 'old', now() - interval '8 days')")) {
      old.setObject(1, org);
      old.executeUpdate();
      old.executeUpdate();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> events.prune(Duration.ofDays(7), 1) == 1);
    assertThat(events.prune(Duration.ofDays(7), 1000)).isPositive();
    ChangeCursor horizon = events.horizon().orElseThrow();
    assertThat(horizon.isAfter(before)).isTrue();

    assertThatThrownBy(() -> resume(live, org, before.toString()))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CURSOR_EXPIRED));
    // From the horizon on, resuming is allowed.
    resume(live, org, horizon.toString());
  }

  private static void resume(dev.firmament.api.live.LiveController live, UUID org, String after) {
    live.stream(
            new ChangeFilter(org, EnumSet.allOf(Kind.class), null, null, null, null, null), after)
        .subscribe()
        .dispose();
  }

  private static Connection otherProcess() throws SQLException {
    return DriverManager.getConnection(
        STACK.postgres.jdbcUrl(), STACK.postgres.username(), STACK.postgres.password());
  }

  private static void update(Connection connection, String sql, String id) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, id);
      assertThat(statement.executeUpdate()).isEqualTo(1);
    }
  }

  private static void insertEvent(
      Connection connection,
      UUID org,
      String kind,
      UUID job,
      String device,
      UUID product,
      Integer stage,
      String state)
      throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "insert into change_events (organization_id, kind, job_id, device_id, product_id,"
                + " stage, state) values (?, ?, ?, ?, ?, ?, ?)")) {
      statement.setObject(1, org);
      statement.setString(2, kind);
      statement.setObject(3, job);
      statement.setString(4, device);
      statement.setObject(5, product);
      statement.setObject(6, stage);
      statement.setString(7, state);
      statement.executeUpdate();
    }
  }
}
