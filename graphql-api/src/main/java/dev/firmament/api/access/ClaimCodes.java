package dev.firmament.api.access;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_CLAIM_CODES;

import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/**
 * Device claim codes: 12 characters of Crockford base32 (60 random bits) shown as {@code
 * XXXX-XXXX-XXXX}, stored as the SHA-256 of their normal form (upper case, no dashes or spaces),
 * one per device, used once.
 */
@Repository
public class ClaimCodes {
  static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DSLContext dsl;

  public ClaimCodes(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** A new random code, grouped for reading aloud. */
  static String generate() {
    StringBuilder code = new StringBuilder(14);
    for (int i = 0; i < 12; i++) {
      if (i > 0 && i % 4 == 0) {
        code.append('-');
      }
      code.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return code.toString();
  }

  /**
   * The normal form of a code as someone typed it: upper case, dashes and spaces dropped, and the
   * letters Crockford base32 reads as digits (O as 0, I and L as 1); null when it cannot be a code.
   */
  static String normalize(String typed) {
    if (typed == null || typed.length() > 32) {
      return null;
    }
    StringBuilder normal = new StringBuilder(12);
    for (char c : typed.toUpperCase(Locale.ROOT).toCharArray()) {
      if (c == '-' || c == ' ') {
        continue;
      }
      char read = c == 'O' ? '0' : (c == 'I' || c == 'L') ? '1' : c;
      if (ALPHABET.indexOf(read) < 0) {
        return null;
      }
      normal.append(read);
    }
    return normal.length() == 12 ? normal.toString() : null;
  }

  /** Stores the code for the device, replacing the one it had. Runs in the caller's transaction. */
  public void store(
      UUID organizationId, String deviceId, String code, OffsetDateTime expiresAt, String actor) {
    dsl.deleteFrom(DEVICE_CLAIM_CODES).where(DEVICE_CLAIM_CODES.DEVICE_ID.eq(deviceId)).execute();
    dsl.insertInto(DEVICE_CLAIM_CODES)
        .set(DEVICE_CLAIM_CODES.DEVICE_ID, deviceId)
        .set(DEVICE_CLAIM_CODES.ORGANIZATION_ID, organizationId)
        .set(DEVICE_CLAIM_CODES.CODE_SHA256, Secrets.sha256(normalize(code)))
        .set(DEVICE_CLAIM_CODES.EXPIRES_AT, expiresAt)
        .set(DEVICE_CLAIM_CODES.CREATED_BY, actor)
        .execute();
  }

  /** A code that may be claimed now: its device and the device's product. */
  public record Claimable(String deviceId, UUID productId) {}

  /**
   * Takes the unexpired code of the organization (it is used up), under a row lock so that two
   * claims of one code cannot both succeed. Runs in the caller's transaction.
   */
  public Optional<Claimable> take(UUID organizationId, String normalCode) {
    var row =
        dsl.select(DEVICE_CLAIM_CODES.DEVICE_ID, DEVICES.PRODUCT_ID)
            .from(DEVICE_CLAIM_CODES)
            .join(DEVICES)
            .on(DEVICES.ID.eq(DEVICE_CLAIM_CODES.DEVICE_ID))
            .where(DEVICE_CLAIM_CODES.ORGANIZATION_ID.eq(organizationId))
            .and(DEVICE_CLAIM_CODES.CODE_SHA256.eq(Secrets.sha256(normalCode)))
            .and(DEVICE_CLAIM_CODES.EXPIRES_AT.gt(OffsetDateTime.now()))
            .forUpdate()
            .of(DEVICE_CLAIM_CODES)
            .fetchOptional();
    row.ifPresent(
        r ->
            dsl.deleteFrom(DEVICE_CLAIM_CODES)
                .where(DEVICE_CLAIM_CODES.DEVICE_ID.eq(r.value1()))
                .execute());
    return row.map(r -> new Claimable(r.value1(), r.value2()));
  }
}
