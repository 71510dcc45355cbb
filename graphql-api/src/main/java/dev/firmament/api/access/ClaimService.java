package dev.firmament.api.access;

import dev.firmament.api.access.AccessModel.Customer;
import dev.firmament.api.access.AccessModel.CustomerDeviceMapping;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Customers claim devices themselves: the organization makes a claim code for a device (shown
 * once), the customer's token presents it, and the device is mapped to that customer. A code is
 * used once and expires; a code that is unknown, expired, used or of a device outside the
 * customer's product is refused alike, so that trying codes tells nothing.
 */
@Service
public class ClaimService {
  static final int DEFAULT_DAYS = 30;
  static final int MAX_DAYS = 365;

  private final ClaimCodes codes;
  private final AccessRepository access;
  private final DeviceRepository devices;
  private final TransactionTemplate transaction;

  public ClaimService(
      ClaimCodes codes,
      AccessRepository access,
      DeviceRepository devices,
      PlatformTransactionManager transactionManager) {
    this.codes = codes;
    this.access = access;
    this.devices = devices;
    this.transaction = new TransactionTemplate(transactionManager);
  }

  /** A claim code as made: shown once. */
  public record IssuedClaimCode(String deviceId, String claimCode, OffsetDateTime expiresAt) {}

  /** Makes a claim code for one of the organization's devices, replacing the one it had. */
  @PreAuthorize("hasAuthority('SCOPE_devices:write')")
  public IssuedClaimCode issue(String deviceId, Integer expiresInDays) {
    Caller caller = Callers.current();
    int days = expiresInDays == null ? DEFAULT_DAYS : expiresInDays;
    if (days < 1 || days > MAX_DAYS) {
      throw ApiException.invalid("expiresInDays must be 1 to " + MAX_DAYS + ", got " + days);
    }
    if (devices.findById(caller.organizationId(), deviceId).isEmpty()) {
      throw ApiException.notFound("device", deviceId);
    }
    String code = ClaimCodes.generate();
    OffsetDateTime expiresAt = OffsetDateTime.now(ZoneOffset.UTC).plusDays(days);
    transaction.executeWithoutResult(
        status -> codes.store(caller.organizationId(), deviceId, code, expiresAt, caller.actor()));
    return new IssuedClaimCode(deviceId, code, expiresAt);
  }

  /** The calling customer claims the device the code was made for. */
  public CustomerDeviceMapping claim(String typedCode) {
    Caller caller = Callers.current();
    if (!caller.isCustomer()) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "claimDevice is for customer tokens; members map devices with mapCustomerDevice");
    }
    Customer customer =
        access
            .customer(caller.organizationId(), caller.customerId())
            .orElseThrow(() -> ApiException.notFound("customer", caller.customerId()));
    String normal = ClaimCodes.normalize(typedCode);
    ApiException refused = new ApiException(ErrorCode.NOT_FOUND, "no such claim code");
    if (normal == null) {
      throw refused;
    }
    return transaction.execute(
        status -> {
          ClaimCodes.Claimable claimable =
              codes.take(caller.organizationId(), normal).orElseThrow(() -> refused);
          if (!claimable.productId().equals(customer.productId())) {
            // Not this customer's to claim: the code stays for the one it was made for.
            status.setRollbackOnly();
            throw refused;
          }
          return access.mapDevice(caller.organizationId(), customer.id(), claimable.deviceId());
        });
  }
}
