package dev.firmament.manifest;

/**
 * A manifest with its signature, as stored beside the firmware row and sent to devices.
 *
 * @param manifest the manifest
 * @param canonicalJson the signed bytes, as UTF-8 text
 * @param signature base64 (RFC 4648, with padding) of the 64-byte Ed25519 signature
 */
public record SignedManifest(Manifest manifest, String canonicalJson, String signature) {}
