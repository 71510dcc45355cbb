package dev.firmament.workers.network;

import dev.firmament.protocol.NetworkAck;
import dev.firmament.protocol.NetworkConfig;
import dev.firmament.protocol.NetworkSettings;
import dev.firmament.protocol.NetworkSync;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a device is sent about its network, decided from its membership alone (docs/connectivity.md,
 * "Networks"): no I/O, so that the rules are tested at their edges.
 *
 * <ul>
 *   <li>A configuration is <em>deliverable</em> to a member once its network has one (version 1 or
 *       more) and, in a {@code MESH}, to a {@code NODE} only while the mesh has a {@code GATEWAY}:
 *       a node's mesh settings are of no use without the gateway that forms the mesh, and a node
 *       that switched to them would lose the link it has for one nobody runs.
 *   <li>A member is sent the deliverable configuration until it answers that version; a rejection
 *       is an answer, so a rejected version is not sent again (the next version is).
 *   <li>A device that holds a network it is not a member of is sent a removal.
 * </ul>
 */
final class NetworkPlan {
  private NetworkPlan() {}

  /**
   * A device's membership as the database has it now.
   *
   * @param version the network's latest configuration version, 0 while it has none
   * @param settings that configuration's settings (compact JSON), null while it has none
   * @param hasGateway whether the network has a member in the role GATEWAY
   * @param answer the device's answer to {@code version} ({@code APPLIED} or {@code REJECTED}), or
   *     null when it has given none
   */
  record Member(
      String deviceId,
      String networkId,
      String kind,
      String role,
      long version,
      String settings,
      boolean hasGateway,
      String answer) {

    boolean deliverable() {
      return version >= 1 && !("MESH".equals(kind) && "NODE".equals(role) && !hasGateway);
    }

    NetworkConfig config() {
      return new NetworkConfig(networkId, version, kind, role, NetworkSettings.parse(settings));
    }
  }

  /** One thing to do for a device. */
  sealed interface Step {
    /** Send the device this configuration or removal. */
    record Send(NetworkConfig config) implements Step {}

    /**
     * The device holds the latest version, so it applied it; its acknowledgement was lost (a
     * dropped connection): record it as applied.
     */
    record RecordApplied(String networkId, long version) implements Step {}
  }

  /** What to do when a device says, at its connect, which configuration it holds. */
  static List<Step> forSync(Optional<Member> membership, NetworkSync held) {
    List<Step> steps = new ArrayList<>();
    if (membership.isEmpty()) {
      if (held.network() != null) {
        steps.add(new Step.Send(NetworkConfig.removal(held.network(), 0)));
      }
      return steps;
    }
    Member member = membership.get();
    boolean holdsThis = member.networkId().equals(held.network());
    if (!member.deliverable()) {
      if (held.network() != null && !holdsThis) {
        steps.add(new Step.Send(NetworkConfig.removal(held.network(), 0)));
      }
      return steps;
    }
    boolean holdsLatest =
        holdsThis && held.version() == member.version() && member.role().equals(held.role());
    if (holdsLatest) {
      if (member.answer() == null) {
        steps.add(new Step.RecordApplied(member.networkId(), member.version()));
      }
    } else if (!NetworkAck.REJECTED.equals(member.answer())) {
      steps.add(new Step.Send(member.config()));
    }
    return steps;
  }

  /**
   * What to send an online device after the API changed {@code pushedNetwork} (a published version,
   * or a membership added or removed): its configuration when it is a member of that network and
   * has not answered the latest version, a removal when it is no longer a member of it, or nothing.
   */
  static Optional<NetworkConfig> forPush(Optional<Member> membership, String pushedNetwork) {
    if (membership.isEmpty() || !membership.get().networkId().equals(pushedNetwork)) {
      return Optional.of(NetworkConfig.removal(pushedNetwork, 0));
    }
    Member member = membership.get();
    if (!member.deliverable() || member.answer() != null) {
      return Optional.empty();
    }
    return Optional.of(member.config());
  }
}
