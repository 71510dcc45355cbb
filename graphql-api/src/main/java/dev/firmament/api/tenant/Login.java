package dev.firmament.api.tenant;

/** The viewer root; it carries the organization its fields are scoped to. */
public record Login(Organization organization) {}
