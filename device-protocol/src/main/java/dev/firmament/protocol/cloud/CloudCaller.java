package dev.firmament.protocol.cloud;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import dev.firmament.protocol.BrokerCredentials;
import dev.firmament.protocol.BrokerTls;
import dev.firmament.protocol.CloudCall;
import dev.firmament.protocol.CloudReply;
import dev.firmament.protocol.MalformedMessageException;
import dev.firmament.protocol.MqttShutdownErrors;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.Topics;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends function calls and variable reads to devices and matches their replies (MQTT 5
 * request/response).
 *
 * <p>A call is published at QoS 1 to {@code fw/{deviceId}/call} with the response topic {@code
 * fw/{deviceId}/reply/{instance}}, 16 random bytes of correlation data and a message expiry of its
 * timeout (the broker drops a call nobody received in time). The caller subscribes to {@code
 * fw/+/reply/{instance}} on every connection; a reply completes the pending call with the same
 * correlation data, and only when it comes from the device that was called (the device id in a
 * reply topic is the device's broker identity). A reply to nothing pending (late, or unknown) is
 * dropped. A call not answered within its timeout fails with {@link CallTimeoutException}; one that
 * cannot be sent fails with {@link CallerUnavailableException}. One caller per process;
 * thread-safe.
 */
public final class CloudCaller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CloudCaller.class);
  private static final ProtocolCodec CODEC = new ProtocolCodec();
  private static final SecureRandom RANDOM = new SecureRandom();

  private final CallerOptions options;
  private final Mqtt5AsyncClient client;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private final String replyFilter;

  /** Whether the reply subscription of the current connection is in place. */
  private volatile boolean subscribed;

  private record Pending(String deviceId, CompletableFuture<CloudReply> reply) {}

  private CloudCaller(CallerOptions options) {
    this.options = options;
    this.replyFilter = Topics.replyFilter(options.instance());
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("firmament-cloud-calls").daemon().factory());
    Mqtt5ClientBuilder builder =
        Mqtt5Client.builder()
            .identifier("firmament-api-" + options.instance())
            .serverHost(options.broker().host())
            .serverPort(options.broker().port())
            .automaticReconnectWithDefaultConfig()
            .addConnectedListener(context -> subscribe())
            .addDisconnectedListener(context -> subscribed = false);
    builder = BrokerTls.apply(builder, options.tls(), options.tlsCaFile());
    builder = BrokerCredentials.apply(builder, options.username(), options.password());
    this.client = builder.buildAsync();
    client.publishes(MqttGlobalPublishFilter.SUBSCRIBED, this::onReply);
  }

  /**
   * Connects and subscribes to this instance's replies. When the broker cannot be reached within
   * the connect timeout the caller is returned anyway and keeps trying in the background; calls
   * fail with {@link CallerUnavailableException} until it is connected.
   */
  public static CloudCaller connect(CallerOptions options) {
    MqttShutdownErrors.install();
    CloudCaller caller = new CloudCaller(Objects.requireNonNull(options, "options"));
    CompletableFuture<?> ready =
        caller.client.connectWith().cleanStart(true).send().thenCompose(ack -> caller.subscribe());
    try {
      ready.get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn(
          "cloud calls cannot reach the broker yet broker={} error={}",
          options.broker(),
          e.getCause() == null ? e.toString() : e.getCause().toString());
    }
    return caller;
  }

  /** Whether the caller is connected to the broker now, with its replies subscribed. */
  public boolean isConnected() {
    return subscribed && client.getState().isConnected();
  }

  /** Calls now waiting for their reply. */
  public int pendingCalls() {
    return pending.size();
  }

  /** Subscribes to this instance's replies; calls are sent once it is in place. */
  private CompletableFuture<?> subscribe() {
    return client
        .subscribeWith()
        .topicFilter(replyFilter)
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .whenComplete(
            (ack, error) -> {
              if (error != null) {
                log.warn("cloud calls cannot subscribe to replies error={}", error.toString());
              } else if (ack.getReasonCodes().stream().anyMatch(code -> code.isError())) {
                log.warn("cloud calls may not subscribe to replies codes={}", ack.getReasonCodes());
              } else {
                subscribed = true;
              }
            });
  }

  /**
   * Sends a call and completes with the device's reply; fails with {@link CallTimeoutException}
   * after {@code timeout} and with {@link CallerUnavailableException} when it cannot be sent.
   */
  public CompletableFuture<CloudReply> call(String deviceId, CloudCall call, Duration timeout) {
    String callTopic = Topics.call(deviceId);
    byte[] correlation = new byte[16];
    RANDOM.nextBytes(correlation);
    String key = HexFormat.of().formatHex(correlation);
    CompletableFuture<CloudReply> reply = new CompletableFuture<>();
    pending.put(key, new Pending(deviceId, reply));
    reply.whenComplete((result, error) -> pending.remove(key));
    if (!isConnected()) {
      reply.completeExceptionally(
          new CallerUnavailableException("not connected to the broker " + options.broker(), null));
      return reply;
    }
    timer.schedule(
        () -> reply.completeExceptionally(new CallTimeoutException(deviceId, timeout)),
        timeout.toMillis(),
        TimeUnit.MILLISECONDS);
    client
        .publishWith()
        .topic(callTopic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .responseTopic(Topics.reply(deviceId, options.instance()))
        .correlationData(correlation)
        .messageExpiryInterval(Math.max(1, (timeout.toMillis() + 999) / 1000))
        .payload(CODEC.encodeCall(call))
        .send()
        .whenComplete(
            (result, error) -> {
              if (error != null) {
                reply.completeExceptionally(
                    new CallerUnavailableException("the call was not sent: " + error, error));
              } else if (result instanceof Mqtt5PublishResult.Mqtt5Qos1Result acked
                  && acked.getPubAck().getReasonCode().isError()
                  && acked.getPubAck().getReasonCode()
                      != Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS) {
                // Not authorized, or refused otherwise: no device will answer.
                reply.completeExceptionally(
                    new CallerUnavailableException(
                        "the broker refused the call: " + acked.getPubAck().getReasonCode(), null));
              }
            });
    return reply;
  }

  private void onReply(Mqtt5Publish publish) {
    String topic = publish.getTopic().toString();
    String deviceId = Topics.replyDeviceId(topic, options.instance()).orElse(null);
    byte[] correlation = publish.getCorrelationData().map(CloudCaller::bytes).orElse(null);
    if (deviceId == null || correlation == null) {
      log.debug("cloud calls ignore a message on {}", topic);
      return;
    }
    Pending call = pending.get(HexFormat.of().formatHex(correlation));
    if (call == null || !call.deviceId().equals(deviceId)) {
      // Late (timed out already), or a device answering a call that was not its own.
      log.debug("cloud calls ignore a reply device={} (nothing pending)", deviceId);
      return;
    }
    try {
      call.reply().complete(CODEC.decodeReply(publish.getPayloadAsBytes()));
    } catch (MalformedMessageException e) {
      call.reply().completeExceptionally(e);
    }
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /** Fails every pending call and disconnects. */
  @Override
  public void close() {
    pending
        .values()
        .forEach(
            call ->
                call.reply()
                    .completeExceptionally(
                        new CallerUnavailableException("the caller was closed", null)));
    timer.shutdownNow();
    try {
      client.disconnect().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("cloud calls did not disconnect cleanly error={}", e.toString());
    }
  }
}
