package dev.firmament.protocol.broker;

import java.util.Map;

/**
 * The broker's own list of who may connect as which device, for brokers that do not ask Firmament
 * (Mosquitto's dynamic-security plugin; the embedded broker reads Firmament's database instead).
 */
public interface BrokerAccounts {
  /**
   * Lets each device in with its secret only, as its own client id, on its own topics: creates the
   * device's account or replaces its secret, and ends a live session that logged in with an older
   * secret. Idempotent. Returns once the broker confirmed every account.
   *
   * @throws BrokerAccountsException when the broker cannot be reached or refused a change; some of
   *     the accounts may then be changed, none is removed
   */
  void provision(Map<String, String> secretByDevice);
}
