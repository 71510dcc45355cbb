package dev.firmament.api.tenant;

import java.util.UUID;

/** The tenant every request acts for. */
public record Organization(UUID id, String slug, String name) {}
