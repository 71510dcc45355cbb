package dev.firmament.workers.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.NetworkSync;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a device is sent about its network, at the edges of each rule. */
class NetworkPlanTest {
  private static final String A = "aaaaaaaa-0000-0000-0000-000000000001";
  private static final String B = "bbbbbbbb-0000-0000-0000-000000000002";
  private static final String MESH = "{\"channel\":15,\"panId\":7}";
  private static final String VLAN = "{\"vlanId\":42}";

  private static Optional<NetworkPlan.Member> member(
      String network, String kind, String role, long version, boolean hasGateway, String answer) {
    return Optional.of(
        new NetworkPlan.Member(
            "dev-1",
            network,
            kind,
            role,
            version,
            version == 0 ? null : kind.equals("MESH") ? MESH : VLAN,
            hasGateway,
            answer));
  }

  private static NetworkPlan.Step send(Optional<NetworkPlan.Member> member) {
    return new NetworkPlan.Step.Send(member.get().config());
  }

  private static NetworkPlan.Step removal(String network) {
    return new NetworkPlan.Step.Send(NetworkConfig.removal(network, 0));
  }

  @Test
  void aDeviceInNoNetworkIsSentNothingOrTheRemovalOfWhatItHolds() {
    assertThat(NetworkPlan.forSync(Optional.empty(), NetworkSync.none())).isEmpty();
    assertThat(NetworkPlan.forSync(Optional.empty(), new NetworkSync(A, 3, "NODE")))
        .containsExactly(removal(A));
  }

  @Test
  void aMemberIsSentTheLatestVersionUntilItHoldsIt() {
    var member = member(A, "VLAN", "NODE", 3, false, null);
    assertThat(NetworkPlan.forSync(member, NetworkSync.none())).containsExactly(send(member));
    assertThat(NetworkPlan.forSync(member, new NetworkSync(A, 2, "NODE")))
        .containsExactly(send(member));
    // Another role: sent again, so the device learns its role.
    assertThat(NetworkPlan.forSync(member, new NetworkSync(A, 3, "GATEWAY")))
        .containsExactly(send(member));
    // Another network held: the new one replaces it.
    assertThat(NetworkPlan.forSync(member, new NetworkSync(B, 3, "NODE")))
        .containsExactly(send(member));
  }

  @Test
  void aMemberThatHoldsTheLatestVersionUnansweredIsRecordedAsHavingAppliedIt() {
    var unanswered = member(A, "VLAN", "NODE", 3, false, null);
    assertThat(NetworkPlan.forSync(unanswered, new NetworkSync(A, 3, "NODE")))
        .containsExactly(new NetworkPlan.Step.RecordApplied(A, 3));
    var answered = member(A, "VLAN", "NODE", 3, false, "APPLIED");
    assertThat(NetworkPlan.forSync(answered, new NetworkSync(A, 3, "NODE"))).isEmpty();
  }

  @Test
  void aRejectedVersionIsNotSentAgainButAnAppliedOneALostDeviceNoLongerHoldsIs() {
    var rejected = member(A, "VLAN", "NODE", 3, false, "REJECTED");
    assertThat(NetworkPlan.forSync(rejected, new NetworkSync(A, 2, "NODE"))).isEmpty();
    assertThat(NetworkPlan.forSync(rejected, NetworkSync.none())).isEmpty();
    var applied = member(A, "VLAN", "NODE", 3, false, "APPLIED");
    assertThat(NetworkPlan.forSync(applied, NetworkSync.none())).containsExactly(send(applied));
  }

  @Test
  void aNetworkWithoutAConfigurationSendsNothingButStillRemovesAnotherNetworks() {
    var none = member(A, "VLAN", "NODE", 0, false, null);
    assertThat(NetworkPlan.forSync(none, NetworkSync.none())).isEmpty();
    assertThat(NetworkPlan.forSync(none, new NetworkSync(B, 1, "NODE")))
        .containsExactly(removal(B));
    assertThat(NetworkPlan.forPush(none, A)).isEmpty();
  }

  @Test
  void aMeshNodeWaitsForItsGatewayAndKeepsWhatItHolds() {
    var waiting = member(A, "MESH", "NODE", 2, false, null);
    assertThat(waiting.get().deliverable()).isFalse();
    assertThat(NetworkPlan.forSync(waiting, NetworkSync.none())).isEmpty();
    assertThat(NetworkPlan.forSync(waiting, new NetworkSync(A, 1, "NODE"))).isEmpty();
    assertThat(NetworkPlan.forSync(waiting, new NetworkSync(B, 1, "NODE")))
        .containsExactly(removal(B));
    assertThat(NetworkPlan.forPush(waiting, A)).isEmpty();
    // The gateway itself, the node once there is a gateway, and nodes of other kinds go ahead.
    assertThat(member(A, "MESH", "GATEWAY", 2, false, null).get().deliverable()).isTrue();
    assertThat(member(A, "MESH", "NODE", 2, true, null).get().deliverable()).isTrue();
    assertThat(member(A, "VLAN", "NODE", 2, false, null).get().deliverable()).isTrue();
    assertThat(member(A, "MESH", "NODE", 0, true, null).get().deliverable()).isFalse();
    assertThat(member(A, "MESH", "NODE", 1, true, null).get().deliverable()).isTrue();
  }

  @Test
  void aPushSendsTheConfigurationToAMemberThatHasNotAnsweredAndRemovesAFormerOne() {
    var open = member(A, "VLAN", "GATEWAY", 4, false, null);
    assertThat(NetworkPlan.forPush(open, A)).contains(open.get().config());
    assertThat(NetworkPlan.forPush(member(A, "VLAN", "NODE", 4, false, "APPLIED"), A)).isEmpty();
    assertThat(NetworkPlan.forPush(member(A, "VLAN", "NODE", 4, false, "REJECTED"), A)).isEmpty();
    // No longer a member of the pushed network: removed from it, whether in another or in none.
    assertThat(NetworkPlan.forPush(Optional.empty(), A)).contains(NetworkConfig.removal(A, 0));
    assertThat(NetworkPlan.forPush(member(B, "VLAN", "NODE", 1, false, null), A))
        .contains(NetworkConfig.removal(A, 0));
  }

  @Test
  void theConfigurationSentCarriesTheMembersRoleKindVersionAndSettings() {
    NetworkConfig config = member(A, "MESH", "GATEWAY", 5, false, null).get().config();
    assertThat(config.network()).isEqualTo(A);
    assertThat(config.version()).isEqualTo(5);
    assertThat(config.kind()).isEqualTo("MESH");
    assertThat(config.role()).isEqualTo("GATEWAY");
    assertThat(config.settings().path("channel").asInt()).isEqualTo(15);
    assertThat(List.of(config)).hasSize(1);
  }
}
