package dev.firmament.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads and writes every message of the device protocol. Thread-safe; one instance serves a whole
 * process.
 *
 * <p>Decoding never returns a half-valid message: anything that is not a valid message throws
 * {@link MalformedMessageException} with a message that says what is wrong. Unknown JSON properties
 * are ignored so that newer peers can add fields; unknown enum values are not, except for error
 * codes, which read as {@link ErrorCode#UNKNOWN}.
 *
 * <h2>Chunk frame</h2>
 *
 * <pre>
 * offset   size  field
 * 0        4     magic and format version: 0x46 0x57 0x43 0x01 ("FWC", version 1)
 * 4        1     L, length of the update id in bytes, 1..255
 * 5        L     update id, UTF-8
 * 5+L      8     offset of the payload in the artifact, big-endian, 0..2^63-1
 * 13+L     n     payload, n &gt;= 1 (the rest of the MQTT payload)
 * </pre>
 */
public final class ProtocolCodec {

  /** First four bytes of every chunk frame: "FWC" and the frame format version 1. */
  public static final int CHUNK_MAGIC = 0x46574301;

  /** Largest JSON payload accepted; control messages are a few hundred bytes. */
  public static final int MAX_JSON_BYTES = 16 * 1024;

  private static final int FIXED_HEADER = 4 + 1 + 8;

  private final ObjectMapper mapper;

  public ProtocolCodec() {
    this.mapper =
        JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
  }

  // ---- JSON messages ----

  /** JSON for the cmd topic, with its {@code type} property. */
  public byte[] encodeCommand(Command command) {
    return write(command);
  }

  /**
   * Reads a cmd-topic message.
   *
   * @throws MalformedMessageException if it is not a valid offer or cancel; {@link
   *     MalformedMessageException#updateId()} carries the update id if one could be read
   */
  public Command decodeCommand(byte[] json) {
    return read(json, Command.class, "command");
  }

  /** JSON for the status topic. */
  public byte[] encodeReport(StatusReport report) {
    return write(report);
  }

  /**
   * Reads a status report.
   *
   * @throws MalformedMessageException if it is not a valid report
   */
  public StatusReport decodeReport(byte[] json) {
    return read(json, StatusReport.class, "status report");
  }

  /** JSON for the presence topic. */
  public byte[] encodePresence(Presence presence) {
    return write(presence);
  }

  /**
   * Reads a presence message.
   *
   * @throws MalformedMessageException if it is not a valid presence message
   */
  public Presence decodePresence(byte[] json) {
    return read(json, Presence.class, "presence");
  }

  /** JSON for a device's call topic, with its {@code type} property. */
  public byte[] encodeCall(CloudCall call) {
    return write(call);
  }

  /**
   * Reads a call-topic message.
   *
   * @throws MalformedMessageException if it is not a valid function call or variable read
   */
  public CloudCall decodeCall(byte[] json) {
    return read(json, CloudCall.class, "call");
  }

  /** JSON for a call's response topic. */
  public byte[] encodeReply(CloudReply reply) {
    return write(reply);
  }

  /**
   * Reads a device's reply to a call.
   *
   * @throws MalformedMessageException if it is not a valid reply
   */
  public CloudReply decodeReply(byte[] json) {
    return read(json, CloudReply.class, "reply");
  }

  /** JSON for a device's events topic. */
  public byte[] encodeEvent(DeviceEvent event) {
    return write(event);
  }

  /**
   * Reads a device's event.
   *
   * @throws MalformedMessageException if it is not a valid event
   */
  public DeviceEvent decodeEvent(byte[] json) {
    return read(json, DeviceEvent.class, "event");
  }

  /** JSON for a device's telemetry topic, with its {@code type} property. */
  public byte[] encodeTelemetry(Telemetry telemetry) {
    return write(telemetry);
  }

  /**
   * Reads a device's vitals or log lines.
   *
   * @throws MalformedMessageException if it is not a valid telemetry message
   */
  public Telemetry decodeTelemetry(byte[] json) {
    return read(json, Telemetry.class, "telemetry");
  }

  /** JSON for a device's ledger topic, with its {@code type} property. */
  public byte[] encodeLedger(LedgerMessage message) {
    return write(message);
  }

  /**
   * Reads a ledger-topic message.
   *
   * @throws MalformedMessageException if it is not a valid sync request or write
   */
  public LedgerMessage decodeLedger(byte[] json) {
    return read(json, LedgerMessage.class, "ledger message");
  }

  /** JSON for a device's network topic, with its {@code type} property. */
  public byte[] encodeNetwork(NetworkMessage message) {
    return write(message);
  }

  /**
   * Reads a network-topic message.
   *
   * @throws MalformedMessageException if it is not a valid sync or acknowledgement
   */
  public NetworkMessage decodeNetwork(byte[] json) {
    return read(json, NetworkMessage.class, "network message");
  }

  // ---- chunk frames ----

  /** Bytes a frame header takes for this update id; the payload starts there. */
  public static int chunkHeaderLength(String updateId) {
    return FIXED_HEADER + updateIdBytes(updateId).length;
  }

  /**
   * Writes a frame header at the start of {@code frame} and returns its length; the caller puts the
   * payload right after it. Lets a sender read artifact bytes straight into the frame.
   */
  public static int writeChunkHeader(byte[] frame, String updateId, long offset) {
    byte[] id = updateIdBytes(updateId);
    Checks.require(offset >= 0, "chunk offset must not be negative, was " + offset);
    ByteBuffer buffer = ByteBuffer.wrap(frame);
    buffer.putInt(CHUNK_MAGIC).put((byte) id.length).put(id).putLong(offset);
    return buffer.position();
  }

  /** The binary frame for a chunk. */
  public byte[] encodeChunk(ChunkFrame chunk) {
    int header = chunkHeaderLength(chunk.updateId());
    byte[] frame = new byte[header + chunk.payload().length];
    writeChunkHeader(frame, chunk.updateId(), chunk.offset());
    System.arraycopy(chunk.payload(), 0, frame, header, chunk.payload().length);
    return frame;
  }

  /**
   * Reads a binary frame.
   *
   * @throws MalformedMessageException if the magic, version or lengths are wrong
   */
  public ChunkFrame decodeChunk(byte[] frame) {
    if (frame == null || frame.length < FIXED_HEADER + 2) {
      throw new MalformedMessageException(
          "chunk frame too short: " + (frame == null ? 0 : frame.length) + " bytes");
    }
    ByteBuffer buffer = ByteBuffer.wrap(frame);
    int magic = buffer.getInt();
    if ((magic & 0xFFFFFF00) != (CHUNK_MAGIC & 0xFFFFFF00)) {
      throw new MalformedMessageException(
          "chunk frame has bad magic 0x" + Integer.toHexString(magic));
    }
    if (magic != CHUNK_MAGIC) {
      throw new MalformedMessageException(
          "unsupported chunk frame version " + (magic & 0xFF) + " (this side speaks 1)");
    }
    int idLength = buffer.get() & 0xFF;
    if (idLength == 0 || buffer.remaining() < idLength + 8 + 1) {
      throw new MalformedMessageException(
          "chunk frame update id length "
              + idLength
              + " does not fit a frame of "
              + frame.length
              + " bytes");
    }
    String updateId = new String(frame, buffer.position(), idLength, StandardCharsets.UTF_8);
    buffer.position(buffer.position() + idLength);
    long offset = buffer.getLong();
    if (offset < 0) {
      throw new MalformedMessageException("chunk frame offset is negative", updateId, null);
    }
    byte[] payload = Arrays.copyOfRange(frame, buffer.position(), frame.length);
    return new ChunkFrame(updateId, offset, payload);
  }

  // ---- internals ----

  private static byte[] updateIdBytes(String updateId) {
    Checks.requireUpdateId(updateId);
    return updateId.getBytes(StandardCharsets.UTF_8);
  }

  private byte[] write(Object message) {
    try {
      return mapper.writeValueAsBytes(message);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + message, e);
    }
  }

  private <T> T read(byte[] json, Class<T> type, String what) {
    if (json == null || json.length == 0) {
      throw new MalformedMessageException("empty " + what);
    }
    if (json.length > MAX_JSON_BYTES) {
      throw new MalformedMessageException(
          what + " too large: " + json.length + " bytes (limit " + MAX_JSON_BYTES + ")");
    }
    try {
      return mapper.readValue(json, type);
    } catch (ValueInstantiationException e) {
      // A record constructor refused the values; its message names the field.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new MalformedMessageException(
          "invalid " + what + ": " + cause.getMessage(), peekUpdateId(json), e);
    } catch (IOException e) {
      throw new MalformedMessageException(
          "invalid " + what + ": " + firstLine(e.getMessage()), peekUpdateId(json), e);
    }
  }

  /** The {@code updateId} string of a JSON object, if the payload is JSON enough to have one. */
  private String peekUpdateId(byte[] json) {
    try {
      JsonNode id = mapper.readTree(json).get("updateId");
      if (id != null && id.isTextual() && !id.asText().isBlank() && id.asText().length() <= 255) {
        return id.asText();
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON at all: there is no id to report.
    }
    return null;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
