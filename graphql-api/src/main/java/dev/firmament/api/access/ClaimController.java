package dev.firmament.api.access;

import dev.firmament.api.access.AccessModel.CustomerDeviceMapping;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.stereotype.Controller;

/** Device claim codes and claims ({@link ClaimService}). */
@Controller
public class ClaimController {
  private final ClaimService service;

  public ClaimController(ClaimService service) {
    this.service = service;
  }

  public record CreateDeviceClaimCodeInput(String deviceId, Integer expiresInDays) {}

  public record ClaimDeviceInput(String claimCode) {}

  public record ClaimDevicePayload(CustomerDeviceMapping mapping) {}

  @MutationMapping
  public ClaimService.IssuedClaimCode createDeviceClaimCode(
      @Argument CreateDeviceClaimCodeInput input) {
    return service.issue(input.deviceId(), input.expiresInDays());
  }

  @MutationMapping
  public ClaimDevicePayload claimDevice(@Argument ClaimDeviceInput input) {
    return new ClaimDevicePayload(service.claim(input.claimCode()));
  }
}
