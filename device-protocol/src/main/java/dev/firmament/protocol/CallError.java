package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/** Why a device did not answer a {@link CloudCall} with a result. */
public enum CallError {
  /** It does not expose a function of that name. */
  UNKNOWN_FUNCTION,
  /** It does not expose a variable of that name. */
  UNKNOWN_VARIABLE,
  /** The function refused its argument. */
  BAD_ARGUMENT,
  /** The call was not a valid message. */
  MALFORMED,
  /** It cannot run the call now (for example while it installs an update). */
  BUSY,
  /** The function or the read failed on the device; also any code this version does not know. */
  @JsonEnumDefaultValue
  FAILED
}
