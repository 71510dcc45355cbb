package dev.firmament.api;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.CloudCall;
import dev.firmament.protocol.CloudReply;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.Topics;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A device on the tests' broker as far as function calls go: it takes the calls on its call topic
 * and answers each on the call's MQTT 5 response topic with its correlation data, as a device's
 * firmware does (docs/device-protocol.md), and remembers every call it was sent. One whose answer
 * is null never answers. Its presence and declarations are the database's, which the tests set.
 */
final class TestDevice implements AutoCloseable {
  private static final ProtocolCodec CODEC = new ProtocolCodec();

  final String id;
  private final Mqtt5AsyncClient client;
  private final Function<CloudCall.Function, CloudReply> answer;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  private TestDevice(
      String id, Mqtt5AsyncClient client, Function<CloudCall.Function, CloudReply> answer) {
    this.id = id;
    this.client = client;
    this.answer = answer;
  }

  /** Connects as {@code id} and subscribes to its calls; {@code answer} null for a silent one. */
  static TestDevice connect(
      String brokerUrl, String id, Function<CloudCall.Function, CloudReply> answer) {
    BrokerAddress broker = BrokerAddress.parse(brokerUrl);
    Mqtt5AsyncClient client =
        Mqtt5Client.builder()
            .identifier(id)
            .serverHost(broker.host())
            .serverPort(broker.port())
            .buildAsync();
    TestDevice device = new TestDevice(id, client, answer);
    try {
      client.connect().get(10, TimeUnit.SECONDS);
      client
          .subscribeWith()
          .topicFilter(Topics.call(id))
          .qos(MqttQos.AT_LEAST_ONCE)
          .callback(device::onCall)
          .send()
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("device " + id + " could not connect to " + brokerUrl, e);
    }
    return device;
  }

  /** The function calls it was sent, as {@code name(argument)}, in order. */
  List<String> calls() {
    return List.copyOf(calls);
  }

  private void onCall(Mqtt5Publish publish) {
    CloudCall call = CODEC.decodeCall(publish.getPayloadAsBytes());
    if (!(call instanceof CloudCall.Function function)) {
      return;
    }
    calls.add(function.name() + "(" + function.argument() + ")");
    CloudReply reply = answer == null ? null : answer.apply(function);
    if (reply == null || publish.getResponseTopic().isEmpty()) {
      return;
    }
    client
        .publishWith()
        .topic(publish.getResponseTopic().get())
        .qos(MqttQos.AT_LEAST_ONCE)
        .correlationData(publish.getCorrelationData().map(ByteBuffer::duplicate).orElse(null))
        .payload(CODEC.encodeReply(reply))
        .send();
  }

  @Override
  public void close() {
    client.disconnect().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
  }
}
