package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.CUSTOMER_DEVICE_MAPPINGS;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Customers claim devices with claim codes the organization made. */
class DeviceClaimTest extends ApiIntegrationTest {
  private static final String ISSUE =
      "mutation($d: ID!, $days: Int) { createDeviceClaimCode(input: {deviceId: $d, expiresInDays:"
          + " $days}) { deviceId claimCode expiresAt } }";
  private static final String CLAIM =
      "mutation($c: String!) { claimDevice(input: {claimCode: $c}) { mapping { customerId"
          + " deviceId } } }";

  @Test
  void aCustomerClaimsADeviceOnceWithItsCodeAndThenSeesIt() {
    String productId = createProduct();
    List<String> devices = registerDevices(productId, unique("claim"), 2);
    String[] customer = customer(productId, "buyer");
    String code = issue(devices.get(0));
    assertThat(code).matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");

    // Before: the customer sees no device.
    as(customer[1])
        .documentName("LoginDevices")
        .execute()
        .path("login.devices.total")
        .entity(Integer.class)
        .isEqualTo(0);
    // Typed as people type it: lower case, spaces for dashes.
    as(customer[1])
        .document(CLAIM)
        .variable("c", code.toLowerCase(java.util.Locale.ROOT).replace('-', ' '))
        .execute()
        .path("claimDevice.mapping.deviceId")
        .entity(String.class)
        .isEqualTo(devices.get(0))
        .path("claimDevice.mapping.customerId")
        .entity(String.class)
        .isEqualTo(customer[0]);
    as(customer[1])
        .documentName("LoginDevices")
        .execute()
        .path("login.devices.items[*].id")
        .entityList(String.class)
        .containsExactly(devices.get(0));

    // Used once.
    assertRefused(as(customer[1]).document(CLAIM).variable("c", code), "NOT_FOUND");
  }

  @Test
  void codesThatCannotBeClaimedAreRefusedAlikeAndMapNothing() {
    String productId = createProduct();
    String otherProduct = createProduct();
    List<String> devices = registerDevices(productId, unique("claim"), 1);
    String[] stranger = customer(otherProduct, "stranger");
    String[] buyer = customer(productId, "buyer");
    String code = issue(devices.get(0));

    // A customer of another product: refused, and the code stays for the right one.
    assertRefused(as(stranger[1]).document(CLAIM).variable("c", code), "NOT_FOUND");
    assertRefused(as(buyer[1]).document(CLAIM).variable("c", "NOT-A-CODE"), "NOT_FOUND");
    assertRefused(as(buyer[1]).document(CLAIM).variable("c", "0000-0000-0000"), "NOT_FOUND");
    // Members do not claim: they map.
    assertRefused(graphQl.document(CLAIM).variable("c", code), "FAILED_PRECONDITION");
    assertThat(
            dsl.fetchCount(
                CUSTOMER_DEVICE_MAPPINGS, CUSTOMER_DEVICE_MAPPINGS.DEVICE_ID.eq(devices.get(0))))
        .isZero();

    // A new code replaces the old one, which no longer works.
    String again = issue(devices.get(0));
    assertRefused(as(buyer[1]).document(CLAIM).variable("c", code), "NOT_FOUND");
    as(buyer[1])
        .document(CLAIM)
        .variable("c", again)
        .execute()
        .path("claimDevice.mapping.deviceId")
        .entity(String.class)
        .isEqualTo(devices.get(0));

    assertRefused(
        graphQl.document(ISSUE).variable("d", devices.get(0)).variable("days", 0),
        "INVALID_ARGUMENT");
    assertRefused(graphQl.document(ISSUE).variable("d", "no-such-device"), "NOT_FOUND");
    // A customer cannot make codes.
    assertRefused(as(buyer[1]).document(ISSUE).variable("d", devices.get(0)), "FORBIDDEN");
  }

  private String issue(String deviceId) {
    return graphQl
        .document(ISSUE)
        .variable("d", deviceId)
        .execute()
        .path("createDeviceClaimCode.claimCode")
        .entity(String.class)
        .get();
  }

  /** A customer of the product and a token of theirs: {customerId, token}. */
  private String[] customer(String productId, String name) {
    String customerId =
        graphQl
            .document(
                "mutation($p: ID!, $e: String!) { createCustomer(input: {productId: $p, email: $e})"
                    + " { customer { id } } }")
            .variable("p", productId)
            .variable("e", unique(name) + "@example.test")
            .execute()
            .path("createCustomer.customer.id")
            .entity(String.class)
            .get();
    String token =
        graphQl
            .document(
                "mutation($c: ID!) { createCustomerToken(input: {customerId: $c, name: \"app\"})"
                    + " { token } }")
            .variable("c", customerId)
            .execute()
            .path("createCustomerToken.token")
            .entity(String.class)
            .get();
    return new String[] {customerId, token};
  }
}
