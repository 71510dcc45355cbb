package dev.firmament.agent.broker;

/** An MQTT 5 broker that tests run against. */
public interface TestBroker extends AutoCloseable {

  /** Its URL, {@code tcp://host:port}. */
  String url();

  /** A short name for test output: "hivemq" or "mosquitto". */
  String name();

  /** Stops the broker. */
  @Override
  void close();
}
