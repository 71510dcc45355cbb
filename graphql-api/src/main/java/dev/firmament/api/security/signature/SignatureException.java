package dev.firmament.api.security.signature;

/** A signed request that is refused; the message is the reason the client reads in the 401. */
public class SignatureException extends Exception {
  private static final long serialVersionUID = 1L;

  public SignatureException(String reason) {
    super(reason);
  }
}
