package dev.firmament.agent;

/**
 * The image waiting in the inactive slot, checked against the offer's hash.
 *
 * @param sha256 its SHA-256, 64 lowercase hex digits
 * @param size its length in bytes
 */
record StagedImage(String sha256, long size) {}
