package dev.firmament.protocol;

/**
 * The signed permission an offer of an older build carries: the release side's downgrade grant
 * (canonical JSON, {@code docs/firmware-manifest.md}) and its base64 Ed25519 signature. A device
 * that checks signatures installs an older build only with a grant that names it, the offer's
 * update, the build and its product, and has not expired; the offer's {@code rollback} flag alone
 * is not signed and proves nothing.
 *
 * @param grant the grant's canonical JSON text
 * @param signature base64 signature of the grant's UTF-8 bytes
 */
public record Downgrade(String grant, String signature) {
  /** Longest grant text an offer may carry; a canonical grant is a few hundred characters. */
  public static final int MAX_GRANT_CHARS = 1024;

  public Downgrade {
    Checks.require(
        grant != null && !grant.isEmpty() && grant.length() <= MAX_GRANT_CHARS,
        "downgrade.grant must be 1 to " + MAX_GRANT_CHARS + " characters");
    Checks.require(
        signature != null && !signature.isBlank() && signature.length() <= 256,
        "downgrade.signature must be 1 to 256 characters");
  }
}
