package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.nio.charset.StandardCharsets;

/**
 * The cloud to a device, on {@code fw/{deviceId}/call}: run one of its functions or read one of its
 * variables. The MQTT 5 publish carries a response topic ({@code fw/{deviceId}/reply/{instance}})
 * and correlation data; the device answers there with a {@link CloudReply}, echoing the correlation
 * data. The {@code type} property tells the kinds apart: {@code "function"}, {@code "variable"} or
 * {@code "ping"}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = CloudCall.Function.class, name = "function"),
  @JsonSubTypes.Type(value = CloudCall.Variable.class, name = "variable"),
  @JsonSubTypes.Type(value = CloudCall.Ping.class, name = "ping")
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

  /**
   * A pinhole probe: the device answers at once with {@code returnValue} 0, whatever it declared,
   * so that the round trip measures the path to it and back.
   */
  record Ping() implements CloudCall {
    @Override
    public String name() {
      return "ping";
    }
  }
}
