package dev.firmament.api.network;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.NETWORKS;
import static dev.firmament.sql.generated.Tables.NETWORK_CONFIGURATIONS;
import static dev.firmament.sql.generated.Tables.NETWORK_CONFIG_ACKS;
import static dev.firmament.sql.generated.Tables.NETWORK_DEVICES;
import static dev.firmament.sql.generated.Tables.NETWORK_PUSHES;

import dev.firmament.api.Ids;
import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.protocol.NetworkSettings;
import dev.firmament.sql.generated.tables.records.NetworksRecord;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectConditionStep;
import org.jooq.impl.DSL;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;

/**
 * An organization's private networks (docs/connectivity.md, "Networks"): the networks, their
 * members with a role, and their configurations, versioned 1, 2, 3, ... per network. Every input is
 * checked before the first write, so a refusal writes nothing. Every change a device must hear
 * about (a published version, a member added or removed, a network deleted) adds a row to {@code
 * network_pushes} in its transaction, which the workers send to the online devices it reaches;
 * offline ones get it with the sync of their next connect.
 *
 * <p>Rules: a device is a member of at most one network (it holds one configuration and gives one
 * answer per version); a mesh has at most one gateway, and its nodes are sent its configuration
 * only while it has one. A member's role is fixed while it is a member: remove it and add it again
 * to change it, which also starts its answers afresh.
 */
@Service
public class Networks {
  private static final Map<String, Field<?>> SORT_KEYS =
      Paged.keys(
          Map.entry("name", NETWORKS.NAME),
          Map.entry("kind", NETWORKS.KIND),
          Map.entry("createdAt", NETWORKS.CREATED_AT),
          Map.entry("updatedAt", NETWORKS.UPDATED_AT));

  private static final Field<String> ANSWER = NETWORK_CONFIG_ACKS.RESULT.as("answer");
  private static final Field<String> ANSWER_REASON = NETWORK_CONFIG_ACKS.REASON.as("answer_reason");
  private static final Field<OffsetDateTime> ANSWERED_AT =
      NETWORK_CONFIG_ACKS.ACKED_AT.as("answered_at");
  private static final Field<Long> APPLIED_VERSION =
      DSL.field(
              DSL.select(DSL.max(NETWORK_CONFIG_ACKS.as("applied").VERSION))
                  .from(NETWORK_CONFIG_ACKS.as("applied"))
                  .where(
                      NETWORK_CONFIG_ACKS
                          .as("applied")
                          .NETWORK_ID
                          .eq(NETWORK_DEVICES.NETWORK_ID)
                          .and(
                              NETWORK_CONFIG_ACKS
                                  .as("applied")
                                  .DEVICE_ID
                                  .eq(NETWORK_DEVICES.DEVICE_ID))
                          .and(NETWORK_CONFIG_ACKS.as("applied").RESULT.eq("APPLIED"))))
          .as("applied_version");
  private static final Field<Boolean> HAS_GATEWAY =
      DSL.field(
              DSL.exists(
                  DSL.selectOne()
                      .from(NETWORK_DEVICES.as("gateway"))
                      .where(
                          NETWORK_DEVICES
                              .as("gateway")
                              .NETWORK_ID
                              .eq(NETWORK_DEVICES.NETWORK_ID)
                              .and(NETWORK_DEVICES.as("gateway").ROLE.eq("GATEWAY")))))
          .as("has_gateway");

  private final DSLContext dsl;

  public Networks(DSLContext dsl) {
    this.dsl = dsl;
  }

  // ---- reads

  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Page<Network> page(
      UUID organizationId, Network.Filter filter, Pagination.Window window, String sort) {
    var order = Paged.order(sort, "name", SORT_KEYS, NETWORKS.ID);
    Condition where = NETWORKS.ORGANIZATION_ID.eq(organizationId);
    if (filter != null && filter.kind() != null) {
      where = where.and(NETWORKS.KIND.eq(filter.kind()));
    }
    return Paged.page(
        dsl, dsl.selectFrom(NETWORKS).where(where), window, order, Networks::toNetwork);
  }

  /** The network with this id; null when the organization has none. */
  @PreAuthorize("hasAuthority('SCOPE_devices:read')")
  public Network find(UUID organizationId, String id) {
    return findUnchecked(organizationId, id);
  }

  /** The networks with these ids, by id (for a list of memberships). */
  public Map<String, Network> byIds(UUID organizationId, Collection<String> ids) {
    Map<String, Network> found = new HashMap<>();
    dsl.selectFrom(NETWORKS)
        .where(NETWORKS.ORGANIZATION_ID.eq(organizationId))
        .and(NETWORKS.ID.in(ids.stream().map(UUID::fromString).toList()))
        .forEach(r -> found.put(r.getId().toString(), toNetwork(r)));
    return found;
  }

  /** The latest configurations of these networks, by network id (none for a network without). */
  public Map<String, NetworkConfiguration> latest(Collection<Network> networks) {
    Map<String, NetworkConfiguration> found = new HashMap<>();
    Condition any = DSL.falseCondition();
    for (Network network : networks) {
      if (network.configVersion() > 0) {
        any =
            any.or(
                NETWORK_CONFIGURATIONS
                    .NETWORK_ID
                    .eq(UUID.fromString(network.id()))
                    .and(NETWORK_CONFIGURATIONS.VERSION.eq(network.configVersion())));
      }
    }
    dsl.selectFrom(NETWORK_CONFIGURATIONS)
        .where(any)
        .forEach(r -> found.put(r.getNetworkId().toString(), toConfiguration(r)));
    return found;
  }

  /** A page of each network's configurations, the newest first, in one statement. */
  public Map<UUID, Page<NetworkConfiguration>> configurationPages(
      UUID organizationId, Collection<UUID> networkIds, Pagination.Window window, String sort) {
    return Paged.pagesOf(
        dsl,
        List.of(NETWORK_CONFIGURATIONS.asterisk()),
        NETWORK_CONFIGURATIONS,
        NETWORK_CONFIGURATIONS.ORGANIZATION_ID.eq(organizationId),
        NETWORK_CONFIGURATIONS.NETWORK_ID,
        networkIds,
        window,
        List.of(NETWORK_CONFIGURATIONS.VERSION.desc()),
        r -> toConfiguration(r.into(NETWORK_CONFIGURATIONS)));
  }

  /** One network's member list as a batch loader is asked for it: the network and the filter. */
  public record MemberList(UUID networkId, NetworkDevice.Filter filter) {}

  /**
   * The member list of {@code networkId} under {@code filter} in the caller's terms, checked: an
   * unknown {@code ackState} or {@code sort} fails here with a typed error, before any loading.
   */
  public MemberList memberList(String networkId, NetworkDevice.Filter filter, String sort) {
    memberCondition(filter);
    memberOrder(sort);
    return new MemberList(UUID.fromString(networkId), filter);
  }

  /**
   * A page of each network's members with where their configuration stands, by device id unless
   * {@code sort} says otherwise ({@code deviceId}, {@code role} or {@code addedAt}): one statement
   * per distinct filter.
   */
  public Map<MemberList, Page<NetworkDevice>> memberPages(
      UUID organizationId, Collection<MemberList> lists, Pagination.Window window, String sort) {
    Map<MemberList, Page<NetworkDevice>> result = new HashMap<>();
    Map<java.util.Optional<NetworkDevice.Filter>, List<MemberList>> byFilter =
        lists.stream()
            .collect(
                java.util.stream.Collectors.groupingBy(
                    l -> java.util.Optional.ofNullable(l.filter())));
    byFilter.forEach(
        (filter, group) -> {
          Map<UUID, Page<NetworkDevice>> pages =
              Paged.pagesOf(
                  dsl,
                  MEMBER_FIELDS,
                  MEMBER_SOURCE,
                  NETWORK_DEVICES
                      .ORGANIZATION_ID
                      .eq(organizationId)
                      .and(memberCondition(filter.orElse(null))),
                  NETWORK_DEVICES.NETWORK_ID,
                  group.stream().map(MemberList::networkId).toList(),
                  window,
                  memberOrder(sort),
                  Networks::toMember);
          group.forEach(l -> result.put(l, pages.get(l.networkId())));
        });
    return result;
  }

  private static List<org.jooq.SortField<?>> memberOrder(String sort) {
    return Paged.order(
        sort,
        "deviceId",
        Paged.keys(
            Map.entry("deviceId", NETWORK_DEVICES.DEVICE_ID),
            Map.entry("role", NETWORK_DEVICES.ROLE),
            Map.entry("addedAt", NETWORK_DEVICES.ADDED_AT)),
        NETWORK_DEVICES.DEVICE_ID);
  }

  private static Condition memberCondition(NetworkDevice.Filter filter) {
    Condition where = DSL.noCondition();
    if (filter != null && filter.role() != null) {
      where = where.and(NETWORK_DEVICES.ROLE.eq(filter.role()));
    }
    if (filter != null && filter.ackState() != null) {
      where = where.and(ackStateIs(filter.ackState()));
    }
    return where;
  }

  /** The memberships of these devices, by device id (a device in no network is left out). */
  public Map<String, NetworkDevice> ofDevices(UUID organizationId, Collection<String> deviceIds) {
    Map<String, NetworkDevice> found = new HashMap<>();
    memberQuery(
            NETWORK_DEVICES
                .ORGANIZATION_ID
                .eq(organizationId)
                .and(NETWORK_DEVICES.DEVICE_ID.in(deviceIds)))
        .forEach(r -> found.put(r.get(NETWORK_DEVICES.DEVICE_ID), toMember(r)));
    return found;
  }

  /** A member as the key of its answers' page: its network's id and its device's, by a '/'. */
  public static String memberKey(NetworkDevice member) {
    return member.networkId() + "/" + member.deviceId();
  }

  /** {@link #memberKey} of an answer's row, in SQL. */
  private static final Field<String> ANSWER_MEMBER =
      DSL.concat(
          NETWORK_CONFIG_ACKS.NETWORK_ID.cast(String.class),
          DSL.inline("/"),
          NETWORK_CONFIG_ACKS.DEVICE_ID);

  /**
   * A page of each member's answers (members by {@link #memberKey}), the newest version first, in
   * one statement.
   */
  public Map<String, Page<NetworkDevice.Acknowledgement>> acknowledgementPages(
      UUID organizationId, Collection<String> members, Pagination.Window window, String sort) {
    List<UUID> networkIds =
        members.stream()
            .map(k -> UUID.fromString(k.substring(0, k.indexOf('/'))))
            .distinct()
            .toList();
    return Paged.pagesOf(
        dsl,
        List.of(NETWORK_CONFIG_ACKS.asterisk()),
        NETWORK_CONFIG_ACKS,
        NETWORK_CONFIG_ACKS
            .ORGANIZATION_ID
            .eq(organizationId)
            .and(NETWORK_CONFIG_ACKS.NETWORK_ID.in(networkIds)),
        ANSWER_MEMBER,
        members,
        window,
        List.of(NETWORK_CONFIG_ACKS.VERSION.desc()),
        r ->
            new NetworkDevice.Acknowledgement(
                r.get(NETWORK_CONFIG_ACKS.VERSION),
                r.get(NETWORK_CONFIG_ACKS.RESULT),
                r.get(NETWORK_CONFIG_ACKS.REASON),
                r.get(NETWORK_CONFIG_ACKS.ACKED_AT)));
  }

  // ---- changes

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Network create(String name, String kind, String description, String settings) {
    Caller caller = Callers.current();
    check("name", NetworkRules.nameProblem(name));
    check("kind", NetworkRules.kindProblem(kind));
    check("description", NetworkRules.descriptionProblem(description));
    String document = settings == null ? null : checkedSettings(kind, settings);
    UUID id = UUID.randomUUID();
    translating(
        "a network named '" + name.strip() + "' exists",
        () ->
            dsl.transaction(
                c -> {
                  DSLContext tx = c.dsl();
                  tx.insertInto(NETWORKS)
                      .set(NETWORKS.ID, id)
                      .set(NETWORKS.ORGANIZATION_ID, caller.organizationId())
                      .set(NETWORKS.NAME, name.strip())
                      .set(NETWORKS.KIND, kind)
                      .set(NETWORKS.DESCRIPTION, description == null ? "" : description.strip())
                      .set(NETWORKS.CREATED_BY, caller.actor())
                      .execute();
                  if (document != null) {
                    insertConfiguration(tx, caller, id, 1, document);
                  }
                }));
    return require(caller.organizationId(), id.toString());
  }

  /** Changes the name and description given; the kind is fixed. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Network update(String id, String name, String description) {
    UUID organizationId = Callers.current().organizationId();
    Network network = require(organizationId, id);
    var update = dsl.update(NETWORKS).set(NETWORKS.UPDATED_AT, OffsetDateTime.now());
    if (name != null) {
      check("name", NetworkRules.nameProblem(name));
      update = update.set(NETWORKS.NAME, name.strip());
    }
    if (description != null) {
      check("description", NetworkRules.descriptionProblem(description));
      update = update.set(NETWORKS.DESCRIPTION, description.strip());
    }
    var finished = update;
    translating(
        "a network named '" + (name == null ? "" : name.strip()) + "' exists",
        () -> finished.where(NETWORKS.ID.eq(UUID.fromString(network.id()))).execute());
    return require(organizationId, id);
  }

  /** Deletes a network; each member is sent a removal and drops its configuration. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public String delete(String id) {
    UUID organizationId = Callers.current().organizationId();
    Network network = require(organizationId, id);
    UUID networkId = UUID.fromString(network.id());
    dsl.transaction(
        c -> {
          DSLContext tx = c.dsl();
          lock(tx, networkId);
          tx.insertInto(
                  NETWORK_PUSHES,
                  NETWORK_PUSHES.ORGANIZATION_ID,
                  NETWORK_PUSHES.NETWORK_ID,
                  NETWORK_PUSHES.DEVICE_ID)
              .select(
                  tx.select(
                          NETWORK_DEVICES.ORGANIZATION_ID,
                          NETWORK_DEVICES.NETWORK_ID,
                          NETWORK_DEVICES.DEVICE_ID)
                      .from(NETWORK_DEVICES)
                      .where(NETWORK_DEVICES.NETWORK_ID.eq(networkId)))
              .execute();
          tx.deleteFrom(NETWORKS).where(NETWORKS.ID.eq(networkId)).execute();
        });
    return network.id();
  }

  /**
   * Makes a device of the organization a member in {@code role}. Adding a member again in its role
   * changes nothing; {@code CONFLICT} when the device is a member of another network or in another
   * role (remove it first), or when it would be a mesh's second gateway.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public NetworkDevice addDevice(String id, String deviceId, String role) {
    Caller caller = Callers.current();
    check("role", NetworkRules.roleProblem(role));
    Network network = require(caller.organizationId(), id);
    UUID networkId = UUID.fromString(network.id());
    if (deviceId == null
        || !dsl.fetchExists(
            DEVICES,
            DEVICES.ORGANIZATION_ID.eq(caller.organizationId()).and(DEVICES.ID.eq(deviceId)))) {
      throw ApiException.notFound("device", deviceId);
    }
    translating(
        "device " + deviceId + " joined a network meanwhile; read it again",
        () ->
            dsl.transaction(
                c -> {
                  DSLContext tx = c.dsl();
                  lock(tx, networkId);
                  var current =
                      tx.selectFrom(NETWORK_DEVICES)
                          .where(NETWORK_DEVICES.DEVICE_ID.eq(deviceId))
                          .fetchOne();
                  if (current != null) {
                    if (!current.getNetworkId().equals(networkId)) {
                      String other =
                          tx.select(NETWORKS.NAME)
                              .from(NETWORKS)
                              .where(NETWORKS.ID.eq(current.getNetworkId()))
                              .fetchOne(NETWORKS.NAME);
                      throw new ApiException(
                          ErrorCode.CONFLICT,
                          "device "
                              + deviceId
                              + " is a member of network '"
                              + other
                              + "'; a device is in at most one network: remove it there first");
                    }
                    if (!current.getRole().equals(role)) {
                      throw new ApiException(
                          ErrorCode.CONFLICT,
                          "device "
                              + deviceId
                              + " is a "
                              + current.getRole()
                              + " of this network: remove it and add it again to change its role");
                    }
                    return;
                  }
                  boolean hasGateway =
                      tx.fetchExists(
                          NETWORK_DEVICES,
                          NETWORK_DEVICES
                              .NETWORK_ID
                              .eq(networkId)
                              .and(NETWORK_DEVICES.ROLE.eq("GATEWAY")));
                  String conflict = NetworkRules.roleConflict(network.kind(), role, hasGateway);
                  if (conflict != null) {
                    throw new ApiException(ErrorCode.CONFLICT, conflict);
                  }
                  tx.insertInto(NETWORK_DEVICES)
                      .set(NETWORK_DEVICES.NETWORK_ID, networkId)
                      .set(NETWORK_DEVICES.DEVICE_ID, deviceId)
                      .set(NETWORK_DEVICES.ORGANIZATION_ID, caller.organizationId())
                      .set(NETWORK_DEVICES.ROLE, role)
                      .set(NETWORK_DEVICES.ADDED_BY, caller.actor())
                      .execute();
                  // A mesh's gateway releases the configuration its nodes were waiting for: the
                  // push goes to every member (those that answered already are skipped).
                  boolean releasesNodes = "MESH".equals(network.kind()) && "GATEWAY".equals(role);
                  push(tx, caller.organizationId(), networkId, releasesNodes ? null : deviceId);
                }));
    return member(networkId, deviceId);
  }

  /** Ends a device's membership; the device is sent a removal and drops the configuration. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public NetworkDevice removeDevice(String id, String deviceId) {
    Caller caller = Callers.current();
    Network network = require(caller.organizationId(), id);
    UUID networkId = UUID.fromString(network.id());
    NetworkDevice member = deviceId == null ? null : member(networkId, deviceId);
    if (member == null) {
      throw ApiException.notFound("member of network " + network.name(), deviceId);
    }
    dsl.transaction(
        c -> {
          DSLContext tx = c.dsl();
          lock(tx, networkId);
          int removed =
              tx.deleteFrom(NETWORK_DEVICES)
                  .where(NETWORK_DEVICES.NETWORK_ID.eq(networkId))
                  .and(NETWORK_DEVICES.DEVICE_ID.eq(deviceId))
                  .execute();
          if (removed > 0) {
            push(tx, caller.organizationId(), networkId, deviceId);
          }
        });
    return member;
  }

  /**
   * Publishes the network's next configuration, checked against its kind, and sends it to every
   * member. {@code expectedVersion} (0: "only if none is published yet") refuses with {@code
   * CONFLICT} when another version was published meanwhile.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public NetworkConfiguration publish(String id, String settings, Long expectedVersion) {
    Caller caller = Callers.current();
    Network network = require(caller.organizationId(), id);
    String document = checkedSettings(network.kind(), settings);
    if (expectedVersion != null && expectedVersion < 0) {
      throw ApiException.invalid("expectedVersion: 0 or more");
    }
    UUID networkId = UUID.fromString(network.id());
    long version =
        dsl.transactionResult(
            c -> {
              DSLContext tx = c.dsl();
              long current = lock(tx, networkId).getConfigVersion();
              if (expectedVersion != null && expectedVersion != current) {
                throw new ApiException(
                    ErrorCode.CONFLICT,
                    "network "
                        + network.name()
                        + " is at version "
                        + current
                        + ", not the expected "
                        + expectedVersion
                        + "; read it again and retry");
              }
              long next = current + 1;
              insertConfiguration(tx, caller, networkId, next, document);
              push(tx, caller.organizationId(), networkId, null);
              return next;
            });
    return dsl.selectFrom(NETWORK_CONFIGURATIONS)
        .where(NETWORK_CONFIGURATIONS.NETWORK_ID.eq(networkId))
        .and(NETWORK_CONFIGURATIONS.VERSION.eq(version))
        .fetchSingle(Networks::toConfiguration);
  }

  // ---- helpers

  private static void insertConfiguration(
      DSLContext tx, Caller caller, UUID networkId, long version, String document) {
    tx.insertInto(NETWORK_CONFIGURATIONS)
        .set(NETWORK_CONFIGURATIONS.NETWORK_ID, networkId)
        .set(NETWORK_CONFIGURATIONS.ORGANIZATION_ID, caller.organizationId())
        .set(NETWORK_CONFIGURATIONS.VERSION, version)
        .set(NETWORK_CONFIGURATIONS.SETTINGS, document)
        .set(NETWORK_CONFIGURATIONS.PUBLISHED_BY, caller.actor())
        .execute();
    tx.update(NETWORKS)
        .set(NETWORKS.CONFIG_VERSION, version)
        .set(NETWORKS.UPDATED_AT, OffsetDateTime.now())
        .where(NETWORKS.ID.eq(networkId))
        .execute();
  }

  /** The outbox row the workers send on: one device, or every member when {@code deviceId} null. */
  private static void push(DSLContext tx, UUID organizationId, UUID networkId, String deviceId) {
    tx.insertInto(NETWORK_PUSHES)
        .set(NETWORK_PUSHES.ORGANIZATION_ID, organizationId)
        .set(NETWORK_PUSHES.NETWORK_ID, networkId)
        .set(NETWORK_PUSHES.DEVICE_ID, deviceId)
        .execute();
  }

  /** Locks the network's row, so that its changes (versions, members, gateway) go one at a time. */
  private static NetworksRecord lock(DSLContext tx, UUID networkId) {
    NetworksRecord locked =
        tx.selectFrom(NETWORKS).where(NETWORKS.ID.eq(networkId)).forUpdate().fetchOne();
    if (locked == null) {
      throw ApiException.notFound("network", networkId);
    }
    return locked;
  }

  private static String checkedSettings(String kind, String settings) {
    try {
      var parsed = NetworkSettings.parse(settings);
      check("settings", NetworkSettings.problem(kind, parsed));
      return NetworkSettings.compact(parsed);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("settings: " + e.getMessage());
    }
  }

  private static void check(String field, String problem) {
    if (problem != null) {
      throw ApiException.invalid(field + ": " + problem);
    }
  }

  private static void translating(String conflict, Runnable write) {
    try {
      write.run();
    } catch (ApiException e) {
      throw e;
    } catch (RuntimeException e) {
      if (e.getCause() instanceof ApiException api) {
        throw api;
      }
      if (UniqueViolations.isUniqueViolation(e)) {
        ErrorCode code =
            conflict.startsWith("a network named") ? ErrorCode.ALREADY_EXISTS : ErrorCode.CONFLICT;
        throw new ApiException(code, conflict, e);
      }
      throw e;
    }
  }

  private NetworkDevice member(UUID networkId, String deviceId) {
    return memberQuery(
            NETWORK_DEVICES.NETWORK_ID.eq(networkId).and(NETWORK_DEVICES.DEVICE_ID.eq(deviceId)))
        .fetchOptional(Networks::toMember)
        .orElse(null);
  }

  /** What a member row is read with: the membership, its network, its latest answer. */
  private static final List<org.jooq.SelectFieldOrAsterisk> MEMBER_FIELDS = memberFields();

  private static List<org.jooq.SelectFieldOrAsterisk> memberFields() {
    List<org.jooq.SelectFieldOrAsterisk> fields =
        new java.util.ArrayList<>(List.of(NETWORK_DEVICES.fields()));
    fields.addAll(
        List.of(
            NETWORKS.KIND,
            NETWORKS.CONFIG_VERSION,
            ANSWER,
            ANSWER_REASON,
            ANSWERED_AT,
            APPLIED_VERSION,
            HAS_GATEWAY));
    return fields;
  }

  /** The membership joined to its network and to its answer to the network's configuration. */
  private static final org.jooq.TableLike<?> MEMBER_SOURCE =
      NETWORK_DEVICES
          .join(NETWORKS)
          .on(NETWORKS.ID.eq(NETWORK_DEVICES.NETWORK_ID))
          .leftJoin(NETWORK_CONFIG_ACKS)
          .on(NETWORK_CONFIG_ACKS.NETWORK_ID.eq(NETWORK_DEVICES.NETWORK_ID))
          .and(NETWORK_CONFIG_ACKS.DEVICE_ID.eq(NETWORK_DEVICES.DEVICE_ID))
          .and(NETWORK_CONFIG_ACKS.VERSION.eq(NETWORKS.CONFIG_VERSION));

  private SelectConditionStep<Record> memberQuery(Condition where) {
    return dsl.select(MEMBER_FIELDS).from(MEMBER_SOURCE).where(where);
  }

  /** The SQL of {@link NetworkAckState#of}, for the member list's filter. */
  private static Condition ackStateIs(String state) {
    Condition none = NETWORKS.CONFIG_VERSION.eq(0L);
    Condition answered = NETWORK_CONFIG_ACKS.RESULT.isNotNull();
    Condition waitsForGateway =
        NETWORKS
            .KIND
            .eq("MESH")
            .and(NETWORK_DEVICES.ROLE.eq("NODE"))
            .andNotExists(
                DSL.selectOne()
                    .from(NETWORK_DEVICES.as("gw"))
                    .where(NETWORK_DEVICES.as("gw").NETWORK_ID.eq(NETWORK_DEVICES.NETWORK_ID))
                    .and(NETWORK_DEVICES.as("gw").ROLE.eq("GATEWAY")));
    Condition open = DSL.not(none).and(answered.not());
    return switch (state) {
      case "NONE" -> none;
      case "APPLIED", "REJECTED" -> DSL.not(none).and(NETWORK_CONFIG_ACKS.RESULT.eq(state));
      case "WAITING_FOR_GATEWAY" -> open.and(waitsForGateway);
      case "SENT" ->
          open.and(DSL.not(waitsForGateway))
              .and(NETWORK_DEVICES.SENT_VERSION.ge(NETWORKS.CONFIG_VERSION));
      case "PENDING" ->
          open.and(DSL.not(waitsForGateway))
              .and(NETWORK_DEVICES.SENT_VERSION.lt(NETWORKS.CONFIG_VERSION));
      default -> throw ApiException.invalid("ackState: unknown state " + state);
    };
  }

  public Network require(UUID organizationId, String id) {
    Network network = findUnchecked(organizationId, id);
    if (network == null) {
      throw ApiException.notFound("network", id);
    }
    return network;
  }

  private Network findUnchecked(UUID organizationId, String id) {
    return Ids.parse(id)
        .flatMap(
            uuid ->
                dsl.selectFrom(NETWORKS)
                    .where(NETWORKS.ORGANIZATION_ID.eq(organizationId))
                    .and(NETWORKS.ID.eq(uuid))
                    .fetchOptional(Networks::toNetwork))
        .orElse(null);
  }

  static Network toNetwork(NetworksRecord r) {
    return new Network(
        r.getId().toString(),
        r.getName(),
        r.getKind(),
        r.getDescription(),
        r.getConfigVersion(),
        r.getCreatedBy(),
        r.getCreatedAt(),
        r.getUpdatedAt());
  }

  private static NetworkConfiguration toConfiguration(
      dev.firmament.sql.generated.tables.records.NetworkConfigurationsRecord r) {
    return new NetworkConfiguration(
        r.getNetworkId().toString(),
        r.getVersion(),
        r.getSettings(),
        r.getPublishedBy(),
        r.getPublishedAt());
  }

  private static NetworkDevice toMember(Record r) {
    long configVersion = r.get(NETWORKS.CONFIG_VERSION);
    String answer = r.get(ANSWER);
    boolean waits =
        "MESH".equals(r.get(NETWORKS.KIND))
            && "NODE".equals(r.get(NETWORK_DEVICES.ROLE))
            && !Boolean.TRUE.equals(r.get(HAS_GATEWAY));
    long sent = r.get(NETWORK_DEVICES.SENT_VERSION);
    return new NetworkDevice(
        r.get(NETWORK_DEVICES.NETWORK_ID).toString(),
        r.get(NETWORK_DEVICES.DEVICE_ID),
        r.get(NETWORK_DEVICES.ROLE),
        r.get(NETWORK_DEVICES.ADDED_BY),
        r.get(NETWORK_DEVICES.ADDED_AT),
        sent,
        r.get(APPLIED_VERSION),
        NetworkAckState.of(configVersion, sent, answer, waits).name(),
        "REJECTED".equals(answer) ? r.get(ANSWER_REASON) : null,
        answer == null ? null : r.get(ANSWERED_AT));
  }
}
