package dev.firmament.api.device;

import java.util.List;

/**
 * Which devices a list or a group change takes ({@code DeviceFilter}), as the client sent it: every
 * field given must hold; a field left out keeps all. {@link DeviceFilters#check} turns it into a
 * {@link DeviceFilters.Checked} before anything is read or written.
 */
public record DeviceFilter(
    String productId,
    String groupId,
    List<String> tags,
    List<String> firmwareVersions,
    Boolean online,
    String namePrefix) {}
