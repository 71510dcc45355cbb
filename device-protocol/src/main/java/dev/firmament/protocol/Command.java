package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * A JSON message on {@code fw/{deviceId}/cmd}. The {@code type} property tells the kinds apart:
 * {@code "offer"} or {@code "cancel"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = UpdateOffer.class, name = "offer"),
  @JsonSubTypes.Type(value = CancelUpdate.class, name = "cancel")
})
public sealed interface Command permits UpdateOffer, CancelUpdate {

  /** The update the command is about. */
  String updateId();
}
