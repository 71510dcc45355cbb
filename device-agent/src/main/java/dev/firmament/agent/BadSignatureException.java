package dev.firmament.agent;

/** An offer's signature or manifest does not vouch for what the device was asked to install. */
public final class BadSignatureException extends Exception {

  private static final long serialVersionUID = 1L;

  public BadSignatureException(String message) {
    super(message);
  }
}
