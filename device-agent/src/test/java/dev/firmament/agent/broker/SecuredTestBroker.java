package dev.firmament.agent.broker;

/**
 * A broker that enforces device identity as production does: every client authenticated, a device
 * on its own topics only. It knows the accounts of the devices it was started for, and has the
 * API's account, which calls devices and hears their replies, and the workers' account, which reads
 * the devices' reports and events.
 *
 * @param broker the running broker
 * @param apiUsername the API's username
 * @param apiPassword its password
 * @param workersUsername the workers' username
 * @param workersPassword its password
 */
public record SecuredTestBroker(
    TestBroker broker,
    String apiUsername,
    String apiPassword,
    String workersUsername,
    String workersPassword)
    implements AutoCloseable {

  /** The broker's URL, {@code tcp://host:port}. */
  public String url() {
    return broker.url();
  }

  @Override
  public void close() {
    broker.close();
  }
}
