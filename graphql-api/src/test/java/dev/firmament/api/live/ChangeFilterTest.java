package dev.firmament.api.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.live.ChangeEvent.Kind;
import java.time.OffsetDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** What a live filter keeps, field by field, and the cursors subscribers pass back. */
class ChangeFilterTest {
  private static final UUID ORG = UUID.randomUUID();
  private static final UUID JOB = UUID.randomUUID();
  private static final UUID PRODUCT = UUID.randomUUID();

  private static ChangeEvent event(
      UUID org, Kind kind, UUID job, String device, UUID product, Integer stage, String state) {
    return new ChangeEvent(
        new ChangeCursor(1, 1),
        org,
        kind,
        job,
        device,
        product,
        stage,
        "UPDATE",
        state,
        null,
        1,
        0L,
        null,
        OffsetDateTime.now(),
        null);
  }

  private static ChangeEvent stored(String name) {
    return new ChangeEvent(
        new ChangeCursor(1, 2),
        ORG,
        Kind.EVENT,
        null,
        "d1",
        PRODUCT,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        OffsetDateTime.now(),
        new ChangeEvent.EventPayload(7, name, "21.5", 60, "private", "device", false));
  }

  @Test
  void anEventNamePrefixKeepsOnlyTheStoredEventsItStartsAndLeavesOtherKindsToTheirKinds() {
    ChangeFilter temperatures =
        new ChangeFilter(
            ORG, EnumSet.of(Kind.EVENT, Kind.OTA_RESULT), null, null, null, null, null, "temp");
    assertThat(temperatures).accepts(stored("temp"), stored("temperature/room"), MATCH);
    assertThat(temperatures).rejects(stored("humidity"), stored("te"), stored("Temp"));
    // An empty prefix keeps every name.
    assertThat(new ChangeFilter(ORG, EnumSet.of(Kind.EVENT), null, null, null, null, null, ""))
        .accepts(stored("humidity"));
    assertThat(new ChangeFilter(ORG, EnumSet.of(Kind.EVENT), null, null, null, null, null, null))
        .accepts(stored("humidity"))
        .rejects(MATCH);
  }

  private static final ChangeEvent MATCH =
      event(ORG, Kind.OTA_RESULT, JOB, "d1", PRODUCT, 2, "FAILED");

  @Test
  void everyFieldGivenMustHoldAndAFieldLeftOutKeepsAll() {
    assertThat(new ChangeFilter(ORG, Set.of(Kind.OTA_RESULT), null, null, null, null, null))
        .accepts(MATCH);
    assertThat(
            new ChangeFilter(ORG, Set.of(Kind.OTA_RESULT), JOB, "d1", PRODUCT, 2, Set.of("FAILED")))
        .accepts(MATCH);
    List<ChangeFilter> refusing =
        List.of(
            new ChangeFilter(
                UUID.randomUUID(), Set.of(Kind.OTA_RESULT), null, null, null, null, null),
            new ChangeFilter(ORG, Set.of(Kind.DEVICE_ONLINE), null, null, null, null, null),
            new ChangeFilter(
                ORG, Set.of(Kind.OTA_RESULT), UUID.randomUUID(), null, null, null, null),
            new ChangeFilter(ORG, Set.of(Kind.OTA_RESULT), null, "d2", null, null, null),
            new ChangeFilter(
                ORG, Set.of(Kind.OTA_RESULT), null, null, UUID.randomUUID(), null, null),
            new ChangeFilter(ORG, Set.of(Kind.OTA_RESULT), null, null, null, 3, null),
            new ChangeFilter(ORG, Set.of(Kind.OTA_RESULT), null, null, null, null, Set.of("SENT")));
    for (ChangeFilter filter : refusing) {
      assertThat(filter).as(filter.toString()).rejects(MATCH);
    }
    // A field the event does not carry is not a match for a filter that asks for it.
    ChangeEvent presence = event(ORG, Kind.DEVICE_ONLINE, null, "d1", PRODUCT, null, "1.0");
    assertThat(new ChangeFilter(ORG, EnumSet.allOf(Kind.class), JOB, null, null, null, null))
        .rejects(presence);
    assertThat(new ChangeFilter(ORG, EnumSet.allOf(Kind.class), null, null, null, 0, null))
        .rejects(presence);
  }

  @Test
  void kindsTellDevicesFromRollouts() {
    assertThat(EnumSet.allOf(Kind.class).stream().filter(Kind::isDevice))
        .containsExactlyInAnyOrder(Kind.DEVICE_ONLINE, Kind.DEVICE_OFFLINE, Kind.DEVICE_VERSION);
    assertThat(EnumSet.allOf(Kind.class).stream().filter(Kind::isRollout))
        .containsExactlyInAnyOrder(Kind.OTA_RESULT, Kind.ROLLOUT_STATUS, Kind.STAGE_STATUS);
  }

  @Test
  void aCursorIsReadBackOnlyAsTheServerWroteIt() {
    for (String bad :
        List.of(
            "",
            "12",
            ".5",
            "5.",
            "a.b",
            "-1.2",
            "1.-2",
            "1.2.3",
            "99999999999999999999.1",
            " 1.2")) {
      assertThatThrownBy(() -> ChangeCursor.parse(bad))
          .as(bad)
          .isInstanceOfSatisfying(
              ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT));
    }
    assertThatThrownBy(() -> ChangeCursor.parse(null)).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> ChangeCursor.parse("1" + "0".repeat(40) + ".1"))
        .isInstanceOf(ApiException.class);
    assertThat(ChangeCursor.parse("812.4711")).isEqualTo(new ChangeCursor(812, 4711));
    assertThat(ChangeCursor.parse("0.0")).isEqualTo(ChangeCursor.START);
    assertThat(ChangeCursor.parse(new ChangeCursor(Long.MAX_VALUE, 7).toString()))
        .isEqualTo(new ChangeCursor(Long.MAX_VALUE, 7));
    String longest = new ChangeCursor(Long.MAX_VALUE, Long.MAX_VALUE).toString();
    assertThat(longest).hasSize(39);
    assertThat(ChangeCursor.parse(longest))
        .isEqualTo(new ChangeCursor(Long.MAX_VALUE, Long.MAX_VALUE));
    assertThatThrownBy(() -> ChangeCursor.parse("0" + longest)).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> new ChangeCursor(-1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChangeCursor(0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cursorsOrderByTransactionThenRow() {
    assertThat(new ChangeCursor(2, 1)).isGreaterThan(new ChangeCursor(1, 9));
    assertThat(new ChangeCursor(1, 2)).isGreaterThan(new ChangeCursor(1, 1));
    assertThat(new ChangeCursor(1, 1).compareTo(new ChangeCursor(1, 1))).isZero();
    assertThat(new ChangeCursor(2, 1).isAfter(new ChangeCursor(1, 9))).isTrue();
    assertThat(new ChangeCursor(1, 9).isAfter(new ChangeCursor(2, 1))).isFalse();
    assertThat(new ChangeCursor(1, 1).isAfter(new ChangeCursor(1, 1))).isFalse();
  }
}
