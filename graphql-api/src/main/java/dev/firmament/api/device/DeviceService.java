package dev.firmament.api.device;

import dev.firmament.api.Ids;
import dev.firmament.api.device.DeviceRepository.NewDevice;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductService;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.api.usage.Plans;
import dev.firmament.identity.DeviceSecrets;
import dev.firmament.protocol.broker.BrokerAccounts;
import dev.firmament.protocol.broker.BrokerAccountsException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Device registration and grouping; every check runs before the first write. */
@Service
public class DeviceService {
  private static final Logger log = LoggerFactory.getLogger(DeviceService.class);

  /** Device ids become MQTT client ids and topic segments, hence the narrow alphabet. */
  static final Pattern DEVICE_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  static final int MAX_DEVICES_PER_CALL = 1000;
  static final int MAX_GROUP_SIZE = 10_000;
  private static final int MAX_NAME = 200;
  private static final int MAX_GROUP_NAME = 100;
  private static final int MAX_VERSION = 64;
  private static final int MAX_LABEL = 64;
  private static final int MAX_NOTES = 2000;
  private static final Pattern PRINTABLE = Pattern.compile("[\\x20-\\x7E]*");

  /** Text without control characters other than tab and line breaks (PostgreSQL refuses NUL). */
  private static final Pattern TEXT = Pattern.compile("[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*");

  private final DeviceRepository devices;
  private final ProductService products;
  private final TenantResolver tenants;
  private final TransactionTemplate transaction;

  private final ObjectProvider<DeviceSessions> sessions;
  private final ObjectProvider<BrokerAccounts> brokerAccounts;

  private final Plans plans;

  public DeviceService(
      DeviceRepository devices,
      ProductService products,
      TenantResolver tenants,
      PlatformTransactionManager transactionManager,
      ObjectProvider<DeviceSessions> sessions,
      ObjectProvider<BrokerAccounts> brokerAccounts,
      Plans plans) {
    this.plans = plans;
    this.sessions = sessions;
    this.brokerAccounts = brokerAccounts;
    this.devices = devices;
    this.products = products;
    this.tenants = tenants;
    this.transaction = new TransactionTemplate(transactionManager);
  }

  /** A device to register, as the client sent it. */
  public record Registration(
      String id, String name, String firmwareVersion, String hardwareId, String serialNumber) {}

  /** A device's broker credentials, shown once: only the secret's hash is stored. */
  public record DeviceCredential(String deviceId, String mqttUsername, String mqttPassword) {}

  /** What registration answers: the devices and, once, their broker credentials. */
  public record Registered(List<Device> devices, List<DeviceCredential> credentials) {}

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Registered register(String productId, List<Registration> registrations) {
    Product product = products.require(productId);
    if (registrations == null || registrations.isEmpty()) {
      throw ApiException.invalid("devices must not be empty");
    }
    if (registrations.size() > MAX_DEVICES_PER_CALL) {
      throw ApiException.invalid(
          "at most " + MAX_DEVICES_PER_CALL + " devices per call, got " + registrations.size());
    }
    List<NewDevice> toInsert = new ArrayList<>(registrations.size());
    Set<String> seen = new LinkedHashSet<>();
    for (Registration registration : registrations) {
      String id = registration.id();
      if (id == null || !DEVICE_ID.matcher(id).matches()) {
        throw ApiException.invalid(
            "device id must be 1 to 64 characters from A-Z a-z 0-9 _ -, got '" + id + "'");
      }
      if (!seen.add(id)) {
        throw ApiException.invalid("device id '" + id + "' appears more than once");
      }
      String name = registration.name() == null ? "" : registration.name().strip();
      if (name.isEmpty() || name.length() > MAX_NAME) {
        throw ApiException.invalid(
            "device '" + id + "': name must be 1 to " + MAX_NAME + " characters");
      }
      String version = registration.firmwareVersion();
      if (version != null && (version.isBlank() || version.length() > MAX_VERSION)) {
        throw ApiException.invalid(
            "device '" + id + "': firmwareVersion must be 1 to " + MAX_VERSION + " characters");
      }
      String hardwareId = label(registration.hardwareId(), "hardwareId", id);
      String serialNumber = label(registration.serialNumber(), "serialNumber", id);
      toInsert.add(
          new NewDevice(
              id,
              name,
              version,
              hardwareId == null || hardwareId.isEmpty() ? null : hardwareId,
              serialNumber == null || serialNumber.isEmpty() ? null : serialNumber));
    }
    // Device ids are global (they are broker identities), so the check spans all organizations.
    Set<String> taken = new TreeSet<>(devices.existingIds(seen));
    if (!taken.isEmpty()) {
      throw new ApiException(ErrorCode.ALREADY_EXISTS, "devices already registered: " + taken);
    }
    UUID organizationId = tenants.organizationId();
    Map<String, String> secrets = new LinkedHashMap<>();
    for (NewDevice device : toInsert) {
      secrets.put(device.id(), DeviceSecrets.generate());
    }
    Map<String, String> hashes = new LinkedHashMap<>();
    secrets.forEach((id, secret) -> hashes.put(id, DeviceSecrets.hash(secret)));
    try {
      transaction.executeWithoutResult(
          status -> {
            // Holds the plan's row until the devices are in, so no other registration passes
            // the limit on the same count.
            plans.holdDeviceLimit(organizationId, toInsert.size());
            devices.insertAll(organizationId, product.id(), toInsert);
            devices.insertCredentials(organizationId, hashes);
            // Last, so that a broker that refuses them leaves no device behind.
            provisionBroker(secrets);
          });
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS, "some of these devices were registered concurrently", e);
      }
      throw e;
    }
    List<Device> registered =
        devices.findByIds(organizationId, seen).stream()
            .sorted((a, b) -> a.id().compareTo(b.id()))
            .toList();
    List<DeviceCredential> credentials =
        secrets.entrySet().stream()
            .map(e -> new DeviceCredential(e.getKey(), e.getKey(), e.getValue()))
            .toList();
    return new Registered(registered, credentials);
  }

  /**
   * Changes what an operator records of a device: its name, hardware id, serial number and notes. A
   * field not given stays as it is; an empty text clears it (not the name). Every field is checked
   * before anything is written.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public Device updateDetails(String deviceId, DeviceRepository.DeviceDetails details) {
    if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) {
      throw ApiException.invalid("not a device id: '" + deviceId + "'");
    }
    String name = details.name() == null ? null : details.name().strip();
    if (name != null
        && (name.isEmpty() || name.length() > MAX_NAME || !TEXT.matcher(name).matches())) {
      throw ApiException.invalid(
          "name must be 1 to " + MAX_NAME + " characters without control characters");
    }
    String notes = details.notes() == null ? null : details.notes().strip();
    if (notes != null && (notes.length() > MAX_NOTES || !TEXT.matcher(notes).matches())) {
      throw ApiException.invalid(
          "notes must be at most "
              + MAX_NOTES
              + " characters without control characters other than tabs and line breaks");
    }
    DeviceRepository.DeviceDetails checked =
        new DeviceRepository.DeviceDetails(
            name,
            label(details.hardwareId(), "hardwareId", deviceId),
            label(details.serialNumber(), "serialNumber", deviceId),
            notes,
            details.tags() == null ? null : DeviceFilters.tags(details.tags(), "tags"));
    return devices
        .updateDetails(tenants.organizationId(), deviceId, checked)
        .orElseThrow(() -> new ApiException(ErrorCode.NOT_FOUND, "no device " + deviceId));
  }

  /**
   * A hardware id or serial number as stored: stripped, at most {@value #MAX_LABEL} printable
   * characters; null stays null and an empty text stays empty (it clears the field).
   */
  private static String label(String value, String field, String deviceId) {
    if (value == null) {
      return null;
    }
    String stripped = value.strip();
    if (stripped.length() > MAX_LABEL || !PRINTABLE.matcher(stripped).matches()) {
      throw ApiException.invalid(
          "device '"
              + deviceId
              + "': "
              + field
              + " must be at most "
              + MAX_LABEL
              + " printable characters");
    }
    return stripped;
  }

  /** Issues a new broker secret for a device; the old one stops working at once. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public DeviceCredential rotateCredential(String deviceId) {
    if (deviceId == null || !DEVICE_ID.matcher(deviceId).matches()) {
      throw ApiException.invalid("not a device id: '" + deviceId + "'");
    }
    String secret = DeviceSecrets.generate();
    UUID organizationId = tenants.organizationId();
    boolean replaced =
        Boolean.TRUE.equals(
            transaction.execute(
                status -> {
                  if (!devices.replaceCredential(
                      organizationId, deviceId, DeviceSecrets.hash(secret))) {
                    return false;
                  }
                  // Inside the transaction: a broker that refuses the new secret leaves the old.
                  provisionBroker(Map.of(deviceId, secret));
                  return true;
                }));
    if (!replaced) {
      throw new ApiException(ErrorCode.NOT_FOUND, "no device " + deviceId);
    }
    endSession(deviceId);
    return new DeviceCredential(deviceId, deviceId, secret);
  }

  /**
   * Gives the broker the devices' secrets where the broker keeps accounts of its own (Mosquitto's
   * dynamic security; it also ends a session under a replaced secret). Called inside the
   * transaction that stores them: when the broker does not confirm, nothing is stored and the
   * caller is told to try again.
   */
  private void provisionBroker(Map<String, String> secretByDevice) {
    BrokerAccounts accounts = brokerAccounts.getIfAvailable();
    if (accounts == null) {
      return;
    }
    try {
      accounts.provision(secretByDevice);
    } catch (BrokerAccountsException e) {
      log.warn(
          "device credentials refused: broker did not confirm devices={} error={}",
          secretByDevice.size(),
          e.getMessage());
      throw new ApiException(
          ErrorCode.UNAVAILABLE,
          "the MQTT broker did not confirm the device credentials; nothing was changed, try again",
          e);
    }
  }

  /**
   * Ends the live broker session of a device whose credential was replaced, where this process can
   * (the embedded broker); elsewhere the session lasts until the device reconnects, when the broker
   * checks the new credential.
   */
  private void endSession(String deviceId) {
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      // Only once the new credential is committed: a device that reconnects at once must find it.
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              endSessionNow(deviceId);
            }
          });
    } else {
      endSessionNow(deviceId);
    }
  }

  private void endSessionNow(String deviceId) {
    DeviceSessions control = sessions.getIfAvailable();
    if (control == null) {
      log.info(
          "credential replaced device={}: its live broker session lasts until it reconnects (no"
              + " broker session control here)",
          deviceId);
      return;
    }
    try {
      boolean ended = control.credentialReplaced(deviceId);
      log.info("credential replaced device={} sessionEnded={}", deviceId, ended);
    } catch (RuntimeException e) {
      // The credential is replaced either way; the old session ends when the device reconnects.
      log.warn("live broker session not ended device={} error={}", deviceId, e.toString());
    }
  }

  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public DeviceGroup createGroup(String productId, String name, List<String> deviceIds) {
    Product product = products.require(productId);
    String trimmed = name == null ? "" : name.strip();
    if (trimmed.isEmpty() || trimmed.length() > MAX_GROUP_NAME) {
      throw ApiException.invalid("name must be 1 to " + MAX_GROUP_NAME + " characters");
    }
    Set<String> members = new LinkedHashSet<>(deviceIds == null ? List.of() : deviceIds);
    if (members.size() > MAX_GROUP_SIZE) {
      throw ApiException.invalid("a group holds at most " + MAX_GROUP_SIZE + " devices");
    }
    UUID organizationId = tenants.organizationId();
    if (!members.isEmpty()) {
      Set<String> unknown = new TreeSet<>(members);
      unknown.removeAll(devices.idsInProduct(organizationId, product.id(), members));
      if (!unknown.isEmpty()) {
        throw new ApiException(
            ErrorCode.NOT_FOUND, "devices not found in product " + productId + ": " + unknown);
      }
    }
    if (devices.groupNameExists(organizationId, product.id(), trimmed)) {
      throw new ApiException(
          ErrorCode.ALREADY_EXISTS, "the product already has a group named '" + trimmed + "'");
    }
    try {
      return transaction.execute(
          status -> devices.insertGroup(organizationId, product.id(), trimmed, members));
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS, "the product already has a group named '" + trimmed + "'", e);
      }
      throw e;
    }
  }

  /** A filter checked against the caller's organization ({@link DeviceFilters#check}). */
  public DeviceFilters.Checked checkFilter(DeviceFilter filter) {
    UUID organizationId = tenants.organizationId();
    return DeviceFilters.check(
        filter,
        new DeviceFilters.Exists() {
          @Override
          public boolean product(UUID id) {
            return products.find(id.toString()).isPresent();
          }

          @Override
          public boolean group(UUID id) {
            return devices.findGroup(organizationId, id).isPresent();
          }
        });
  }

  /** What a membership change did: the group and how many devices joined or left it. */
  public record MembershipChange(DeviceGroup group, int changed) {}

  /**
   * Adds devices to a group, named by id or chosen by a filter (exactly one of the two), of the
   * group's product only. Devices already in it stay. Refused as a whole, nothing written, when an
   * id names no device of the product or the group would hold more than {@value #MAX_GROUP_SIZE}.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public MembershipChange addToGroup(String groupId, List<String> deviceIds, DeviceFilter filter) {
    return changeMembers(groupId, deviceIds, filter, true);
  }

  /** Removes devices from a group, named by id or chosen by a filter (exactly one of the two). */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public MembershipChange removeFromGroup(
      String groupId, List<String> deviceIds, DeviceFilter filter) {
    return changeMembers(groupId, deviceIds, filter, false);
  }

  private MembershipChange changeMembers(
      String groupId, List<String> deviceIds, DeviceFilter filter, boolean add) {
    UUID organizationId = tenants.organizationId();
    DeviceGroup group =
        Ids.parse(groupId)
            .flatMap(id -> devices.findGroup(organizationId, id))
            .orElseThrow(() -> ApiException.notFound("device group", groupId));
    if ((deviceIds == null) == (filter == null)) {
      throw ApiException.invalid("give either deviceIds or filter, not both and not neither");
    }
    org.jooq.Condition chosen;
    if (deviceIds != null) {
      Set<String> ids = new LinkedHashSet<>(deviceIds);
      if (ids.isEmpty() || ids.size() > MAX_GROUP_SIZE) {
        throw ApiException.invalid("deviceIds must name 1 to " + MAX_GROUP_SIZE + " devices");
      }
      Set<String> unknown = new TreeSet<>(ids);
      unknown.removeAll(devices.idsInProduct(organizationId, group.productId(), ids));
      if (!unknown.isEmpty()) {
        throw new ApiException(
            ErrorCode.NOT_FOUND,
            "devices not found in the group's product " + group.productId() + ": " + unknown);
      }
      chosen = dev.firmament.sql.generated.Tables.DEVICES.ID.in(ids);
    } else {
      DeviceFilters.Checked checked = checkFilter(filter);
      if (checked.productId() != null && !checked.productId().equals(group.productId())) {
        throw ApiException.invalid(
            "filter.productId names another product than the group's " + group.productId());
      }
      chosen = DeviceFilters.condition(checked.inProduct(group.productId()));
    }
    Integer changed =
        transaction.execute(
            status -> {
              if (!add) {
                return devices.removeMembers(organizationId, group, chosen);
              }
              int joined = devices.addMembers(organizationId, group, chosen);
              if (devices.countGroupMembers(organizationId, group.id()) > MAX_GROUP_SIZE) {
                throw ApiException.invalid(
                    "the group would hold more than " + MAX_GROUP_SIZE + " devices; nothing added");
              }
              return joined;
            });
    return new MembershipChange(group, changed == null ? 0 : changed);
  }

  /**
   * Moves devices to another product of the organization. Refused as a whole, nothing written: an
   * unknown device or product (NOT_FOUND), or a device an unfinished rollout of its product targets
   * (CONFLICT: cancel it or let it finish first). Moved devices leave their groups and customer
   * mappings; their rollout history stays with them.
   */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public List<Device> move(List<String> deviceIds, String productId) {
    Product product = products.require(productId);
    Set<String> ids = new LinkedHashSet<>(deviceIds == null ? List.of() : deviceIds);
    if (ids.isEmpty() || ids.size() > MAX_DEVICES_PER_CALL) {
      throw ApiException.invalid("deviceIds must name 1 to " + MAX_DEVICES_PER_CALL + " devices");
    }
    UUID organizationId = tenants.organizationId();
    Set<String> unknown = new TreeSet<>(ids);
    devices.findByIds(organizationId, ids).forEach(d -> unknown.remove(d.id()));
    if (!unknown.isEmpty()) {
      throw new ApiException(ErrorCode.NOT_FOUND, "devices not found: " + unknown);
    }
    transaction.executeWithoutResult(
        status -> {
          Set<String> busy = devices.inUnfinishedRollouts(organizationId, ids);
          if (!busy.isEmpty()) {
            throw new ApiException(
                ErrorCode.CONFLICT,
                "devices in an unfinished rollout of their product cannot move: " + busy);
          }
          devices.move(organizationId, ids, product.id());
        });
    log.info("devices moved count={} product={}", ids.size(), product.id());
    return devices.findByIds(organizationId, ids).stream()
        .sorted((a, b) -> a.id().compareTo(b.id()))
        .toList();
  }
}
