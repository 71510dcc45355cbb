package dev.firmament.api.network;

import java.time.OffsetDateTime;

/**
 * One published version of a network's settings (seed schema {@code NetworkConfiguration}).
 *
 * @param settings compact JSON within the kind's rules ({@code NetworkSettings})
 */
public record NetworkConfiguration(
    String networkId,
    long version,
    String settings,
    String publishedBy,
    OffsetDateTime publishedAt) {}
