package dev.firmament.api.fleet;

import dev.firmament.api.access.AccessModel;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * Who owns a fleet ({@code FleetOwnership}): the organization itself ({@code user} null) or one of
 * its members, with a role.
 */
public record FleetOwnership(
    UUID id,
    UUID fleetId,
    AccessModel.User user,
    String role,
    OffsetDateTime grantedAt,
    String grantedBy) {

  public String ownerKind() {
    return user == null ? "ORGANIZATION" : "USER";
  }
}
