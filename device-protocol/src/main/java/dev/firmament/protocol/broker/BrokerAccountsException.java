package dev.firmament.protocol.broker;

/** The broker did not confirm a change to its device accounts. */
public class BrokerAccountsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BrokerAccountsException(String message) {
    super(message);
  }

  public BrokerAccountsException(String message, Throwable cause) {
    super(message, cause);
  }
}
