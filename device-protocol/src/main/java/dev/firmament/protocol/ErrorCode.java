package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Why a device failed, rejected or rolled back an update. */
public enum ErrorCode {
  /** The offer was malformed or violated the protocol. */
  BAD_OFFER,
  /** The artifact kind is not supported by this device (for now: deltas). */
  UNSUPPORTED_ARTIFACT,
  /** The target is older than the running version and the offer is not a rollback. */
  DOWNGRADE_REFUSED,
  /** A delta's base version is not the version the device runs. */
  WRONG_BASE_VERSION,
  /** The artifact does not fit the inactive slot. */
  NO_SPACE,
  /** The device is installing another update. */
  BUSY,
  /** The image in the inactive slot does not have the offered SHA-256. */
  HASH_MISMATCH,
  /** The manifest signature did not verify. */
  BAD_SIGNATURE,
  /** The new slot did not boot or failed its health check. */
  BOOT_FAILED,
  /** The server canceled the update, or a newer offer replaced it. */
  CANCELED,
  /** Anything else on the device (I/O error, out of memory, ...). */
  INTERNAL,
  /** A code this version of the protocol does not know (sent by a newer device). */
  @JsonEnumDefaultValue
  UNKNOWN
}
