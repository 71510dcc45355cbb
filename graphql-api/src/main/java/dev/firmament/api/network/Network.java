package dev.firmament.api.network;

import java.time.OffsetDateTime;

/**
 * A private network of an organization as the API shows it (seed schema {@code Network}).
 *
 * @param kind MESH, VLAN or PRIVATE_APN; fixed when the network is made, since its settings are
 *     checked against it
 * @param configVersion the latest published configuration's version, 0 while none is published
 */
public record Network(
    String id,
    String name,
    String kind,
    String description,
    long configVersion,
    String createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt) {

  /** What the network list keeps: all given conditions hold. */
  public record Filter(String kind) {}
}
