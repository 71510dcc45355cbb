package dev.firmament.api.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.live.ChangeEvent;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Who a streamed change may reach: everyone of the organization, or a customer's own events. */
class EventAudienceTest {
  private static final UUID ORG = UUID.randomUUID();

  private static ChangeEvent event(String device, String scope) {
    return change(
        device,
        ChangeEvent.Kind.EVENT,
        new ChangeEvent.EventPayload(1, "door", "open", 60, scope, "device", false));
  }

  private static ChangeEvent change(
      String device, ChangeEvent.Kind kind, ChangeEvent.EventPayload payload) {
    return new ChangeEvent(
        null,
        ORG,
        kind,
        null,
        device,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        OffsetDateTime.now(),
        payload);
  }

  @Test
  void theOrganizationsMembersGetEveryChange() {
    var members = new EventStreams.Checked(ORG, null, null, null, null);
    assertThat(EventStreams.audience(event("a", "private"), members)).isTrue();
    assertThat(EventStreams.audience(event("b", "product"), members)).isTrue();
    assertThat(EventStreams.audience(change("a", ChangeEvent.Kind.DEVICE_ONLINE, null), members))
        .isTrue();
  }

  @Test
  void aCustomerGetsOnlyItsDevicesProductEvents() {
    var customer = new EventStreams.Checked(ORG, null, null, null, "DEVICE", Set.of("a"), true);
    assertThat(EventStreams.audience(event("a", "product"), customer)).isTrue();
    assertThat(EventStreams.audience(event("a", "PRODUCT"), customer)).isTrue();
    assertThat(EventStreams.audience(event("a", "private"), customer)).isFalse();
    assertThat(EventStreams.audience(event("b", "product"), customer)).isFalse();
    assertThat(EventStreams.audience(change("a", ChangeEvent.Kind.DEVICE_ONLINE, null), customer))
        .isFalse();
    var noDevices = new EventStreams.Checked(ORG, null, null, null, "DEVICE", Set.of(), true);
    assertThat(EventStreams.audience(event("a", "product"), noDevices)).isFalse();
  }
}
