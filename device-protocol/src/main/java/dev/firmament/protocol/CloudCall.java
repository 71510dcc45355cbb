package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.nio.charset.StandardCharsets;

/**
 * The cloud to a device, on {@code fw/{deviceId}/call}: run one of its functions or read one of its
 * variables. The MQTT 5 publish carries a response topic ({@code fw/{deviceId}/reply/{instance}})
 * and correlation data; the device answers there with a {@link CloudReply}, echoing the correlation
 * data. The {@code type} property tells the kinds apart: {@code "function"} or {@code "variable"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = CloudCall.Function.class, name = "function"),
  @JsonSubTypes.Type(value = CloudCall.Variable.class, name = "variable")
})
public sealed interface CloudCall {

  /** Largest function argument, in UTF-8 bytes. */
  int MAX_ARGUMENT_BYTES = 1024;

  /** The function or variable the call names. */
  String name();

  /**
   * Run the function {@code name} with {@code argument} (a string of at most {@value
   * #MAX_ARGUMENT_BYTES} UTF-8 bytes, empty when absent); the device answers with an int32.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Function(String name, String argument) implements CloudCall {
    public Function {
      CloudInterface.checkName("name", name);
      argument = argument == null ? "" : argument;
      int bytes = argument.getBytes(StandardCharsets.UTF_8).length;
      Checks.require(
          bytes <= MAX_ARGUMENT_BYTES,
          "argument must be at most " + MAX_ARGUMENT_BYTES + " UTF-8 bytes, was " + bytes);
    }
  }

  /** Read the variable {@code name}; the device answers with its type and value. */
  record Variable(String name) implements CloudCall {
    public Variable {
      CloudInterface.checkName("name", name);
    }
  }
}
