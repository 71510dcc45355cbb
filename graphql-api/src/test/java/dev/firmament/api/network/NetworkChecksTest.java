package dev.firmament.api.network;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A member's configuration state and the checks of a network's fields, at their edges. */
class NetworkChecksTest {

  @Test
  void aNetworkWithoutAConfigurationIsNoneWhateverElseHolds() {
    assertThat(NetworkAckState.of(0, 0, null, false)).isEqualTo(NetworkAckState.NONE);
    assertThat(NetworkAckState.of(0, 0, null, true)).isEqualTo(NetworkAckState.NONE);
  }

  @Test
  void anAnswerToTheLatestVersionIsItsState() {
    assertThat(NetworkAckState.of(3, 3, "APPLIED", false)).isEqualTo(NetworkAckState.APPLIED);
    assertThat(NetworkAckState.of(3, 3, "REJECTED", false)).isEqualTo(NetworkAckState.REJECTED);
    // An answer stands even for a node that now waits for a gateway (the gateway left after).
    assertThat(NetworkAckState.of(3, 3, "APPLIED", true)).isEqualTo(NetworkAckState.APPLIED);
  }

  @Test
  void anUnansweredVersionIsSentOnceItWentOutAndPendingBefore() {
    assertThat(NetworkAckState.of(3, 3, null, false)).isEqualTo(NetworkAckState.SENT);
    assertThat(NetworkAckState.of(3, 4, null, false)).isEqualTo(NetworkAckState.SENT);
    assertThat(NetworkAckState.of(3, 2, null, false)).isEqualTo(NetworkAckState.PENDING);
    assertThat(NetworkAckState.of(1, 0, null, false)).isEqualTo(NetworkAckState.PENDING);
    assertThat(NetworkAckState.of(3, 2, null, true)).isEqualTo(NetworkAckState.WAITING_FOR_GATEWAY);
    assertThat(NetworkAckState.of(3, 3, null, true)).isEqualTo(NetworkAckState.WAITING_FOR_GATEWAY);
  }

  @Test
  void namesAreOneToAHundredCharactersWithoutControlCharacters() {
    assertThat(NetworkRules.nameProblem("a")).isNull();
    assertThat(NetworkRules.nameProblem("  plant  ")).isNull();
    assertThat(NetworkRules.nameProblem("n".repeat(100))).isNull();
    assertThat(NetworkRules.nameProblem(" " + "n".repeat(100) + " ")).isNull();
    assertThat(NetworkRules.nameProblem("n".repeat(101))).contains("1 to 100");
    assertThat(NetworkRules.nameProblem("  ")).contains("1 to 100");
    assertThat(NetworkRules.nameProblem("")).contains("1 to 100");
    assertThat(NetworkRules.nameProblem(null)).contains("1 to 100");
    assertThat(NetworkRules.nameProblem("a\tb")).contains("control");
  }

  @Test
  void descriptionsAreAtMostAThousandCharacters() {
    assertThat(NetworkRules.descriptionProblem(null)).isNull();
    assertThat(NetworkRules.descriptionProblem("d".repeat(1000))).isNull();
    assertThat(NetworkRules.descriptionProblem(" " + "d".repeat(1000) + " ")).isNull();
    assertThat(NetworkRules.descriptionProblem("d".repeat(1001))).contains("at most 1000");
  }

  @Test
  void kindsAndRolesAreTheProtocols() {
    for (String kind : new String[] {"MESH", "VLAN", "PRIVATE_APN"}) {
      assertThat(NetworkRules.kindProblem(kind)).isNull();
    }
    assertThat(NetworkRules.kindProblem("mesh")).contains("MESH, VLAN or PRIVATE_APN");
    assertThat(NetworkRules.kindProblem(null)).contains("was null");
    assertThat(NetworkRules.roleProblem("GATEWAY")).isNull();
    assertThat(NetworkRules.roleProblem("NODE")).isNull();
    assertThat(NetworkRules.roleProblem("ROUTER")).contains("GATEWAY or NODE");
    assertThat(NetworkRules.roleProblem(null)).contains("GATEWAY or NODE");
  }

  @Test
  void aMeshTakesOneGatewayOtherKindsAny() {
    assertThat(NetworkRules.roleConflict("MESH", "GATEWAY", true)).contains("one gateway");
    assertThat(NetworkRules.roleConflict("MESH", "GATEWAY", false)).isNull();
    assertThat(NetworkRules.roleConflict("MESH", "NODE", true)).isNull();
    assertThat(NetworkRules.roleConflict("VLAN", "GATEWAY", true)).isNull();
    assertThat(NetworkRules.roleConflict("PRIVATE_APN", "GATEWAY", true)).isNull();
  }
}
