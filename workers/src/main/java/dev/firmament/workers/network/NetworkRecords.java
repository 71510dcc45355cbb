package dev.firmament.workers.network;

import static dev.firmament.sql.generated.Tables.DEVICES;

import dev.firmament.protocol.NetworkAck;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

/**
 * The workers' reads and writes of networks: a device's membership, the online members a change
 * reaches, what was sent, and the devices' answers. Only the API writes networks, memberships and
 * configurations; only this class writes answers and what was sent.
 */
final class NetworkRecords {
  private static final String MEMBERS =
      """
      select nd.device_id, nd.network_id, n.kind, nd.role, n.config_version, c.settings,
             exists (select 1 from network_devices g
                     where g.network_id = nd.network_id and g.role = 'GATEWAY') as has_gateway,
             a.result
      from network_devices nd
      join networks n on n.id = nd.network_id
      join devices d on d.id = nd.device_id
      left join network_configurations c
        on c.network_id = n.id and c.version = n.config_version
      left join network_config_acks a
        on a.network_id = nd.network_id and a.device_id = nd.device_id
       and a.version = n.config_version
      """;

  private final DSLContext dsl;

  NetworkRecords(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** Whether the device is registered. */
  boolean registered(String deviceId) {
    return dsl.fetchExists(DEVICES, DEVICES.ID.eq(deviceId));
  }

  /** The device's membership, if it is a member of a network. */
  Optional<NetworkPlan.Member> membership(DSLContext tx, String deviceId) {
    return tx.resultQuery(MEMBERS + " where nd.device_id = ?", deviceId)
        .fetchOptional(NetworkRecords::member);
  }

  /**
   * The online devices a push reaches, each with its membership (empty when it is no longer a
   * member of any network): the push's device, or every member of its network.
   */
  List<Target> onlineTargets(DSLContext tx, Push push) {
    List<String> devices =
        push.deviceId() != null
            ? tx.resultQuery("select id from devices where id = ? and online", push.deviceId())
                .fetch(0, String.class)
            : tx.resultQuery(
                    """
                    select nd.device_id from network_devices nd join devices d on d.id = nd.device_id
                    where nd.network_id = ? and d.online order by nd.device_id
                    """,
                    push.networkId())
                .fetch(0, String.class);
    List<Target> targets = new ArrayList<>();
    for (String device : devices) {
      targets.add(new Target(device, membership(tx, device)));
    }
    return targets;
  }

  record Target(String deviceId, Optional<NetworkPlan.Member> membership) {}

  /** Notes that {@code version} was sent to the member (never lowers what was noted). */
  void markSent(DSLContext tx, String networkId, String deviceId, long version) {
    tx.execute(
        """
        update network_devices set sent_version = ?, sent_at = now()
        where network_id = ? and device_id = ? and sent_version <= ?
        """,
        version,
        UUID.fromString(networkId),
        deviceId,
        version);
  }

  /**
   * Records a member's answer to a version of its network's configuration, replacing an earlier
   * answer to the same version (the device's latest word counts). Returns false, recording nothing,
   * when the device is no member of that network or the network has no such version: a stale answer
   * from a former member, or one about a version never published.
   */
  boolean recordAnswer(String deviceId, NetworkAck ack) {
    return dsl.execute(
            """
            insert into network_config_acks
              (network_id, organization_id, device_id, version, result, reason, acked_at)
            select nd.network_id, nd.organization_id, nd.device_id, c.version, ?, ?, now()
            from network_devices nd
            join network_configurations c on c.network_id = nd.network_id and c.version = ?
            where nd.device_id = ? and nd.network_id = ?
            on conflict (network_id, device_id, version)
            do update set result = excluded.result, reason = excluded.reason,
                          acked_at = excluded.acked_at
            """,
            ack.result(),
            ack.reason(),
            ack.version(),
            deviceId,
            UUID.fromString(ack.network()))
        > 0;
  }

  /** A change the API made, to send on: the network, and one device or every member. */
  record Push(UUID networkId, String deviceId) {}

  /**
   * Claims up to {@code max} pushes, oldest first, in the caller's transaction: they are deleted
   * when it commits, and other workers skip them meanwhile.
   */
  List<Push> claimPushes(DSLContext tx, int max) {
    List<Push> pushes = new ArrayList<>();
    tx.resultQuery(
            """
            delete from network_pushes where id in (
              select id from network_pushes order by id limit ? for update skip locked)
            returning network_id, device_id, id
            """,
            max)
        .fetch()
        .sortAsc(DSL.field("id", Long.class))
        .forEach(
            r ->
                pushes.add(
                    new Push(r.get("network_id", UUID.class), r.get("device_id", String.class))));
    return pushes;
  }

  private static NetworkPlan.Member member(Record r) {
    return new NetworkPlan.Member(
        r.get("device_id", String.class),
        r.get("network_id", UUID.class).toString(),
        r.get("kind", String.class),
        r.get("role", String.class),
        r.get("config_version", Long.class),
        r.get("settings", String.class),
        r.get("has_gateway", Boolean.class),
        r.get("result", String.class));
  }
}
