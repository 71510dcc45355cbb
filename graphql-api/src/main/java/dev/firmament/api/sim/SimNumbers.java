package dev.firmament.api.sim;

/**
 * The checks of a SIM's numbers, as the standards define them. Each answers why a value is refused,
 * or null when it is well formed, so that one check serves a single mutation and every row of an
 * import alike.
 */
public final class SimNumbers {
  private SimNumbers() {}

  /**
   * An ICCID (ITU-T E.118, the number printed on the card): 19 or 20 decimal digits, the first two
   * {@code 89} (the major industry identifier for telecommunications), the last a Luhn check digit
   * computed over all the digits before it (ISO/IEC 7812). Carriers print both lengths: 19 digits
   * with the check digit is the E.118 maximum, and many issue 20 with a longer account number,
   * still ending in a Luhn digit. Spaces and dashes are not accepted: the value is stored as given
   * and compared as text, so it must be the bare digits.
   */
  public static String iccidProblem(String iccid) {
    if (iccid == null || iccid.isEmpty()) {
      return "an ICCID is required";
    }
    if (!digits(iccid)) {
      return "an ICCID is decimal digits only";
    }
    if (iccid.length() < 19 || iccid.length() > 20) {
      return "an ICCID has 19 or 20 digits, this one " + iccid.length();
    }
    if (!iccid.startsWith("89")) {
      return "an ICCID starts with 89 (telecommunications)";
    }
    if (!luhnValid(iccid)) {
      return "the ICCID's check digit (Luhn) does not match: a digit is mistyped";
    }
    return null;
  }

  /**
   * An IMSI (3GPP TS 23.003): exactly 15 decimal digits, the country code (MCC, 3), the network
   * code (MNC, 2 or 3) and the subscriber number. It carries no check digit.
   */
  public static String imsiProblem(String imsi) {
    if (imsi == null || imsi.isEmpty()) {
      return "an IMSI is required";
    }
    if (imsi.length() != 15 || !digits(imsi)) {
      return "an IMSI is 15 decimal digits";
    }
    return null;
  }

  /**
   * Whether the last digit is the Luhn check digit of the others: from the rightmost digit leftward
   * every second digit is doubled (9 subtracted when the double has two digits) and the sum of all
   * is a multiple of 10.
   */
  static boolean luhnValid(String number) {
    int sum = 0;
    boolean doubled = false;
    for (int i = number.length() - 1; i >= 0; i--) {
      int digit = number.charAt(i) - '0';
      if (doubled) {
        digit *= 2;
        if (digit > 9) {
          digit -= 9;
        }
      }
      sum += digit;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  /** The Luhn check digit that completes {@code body} (digits only). */
  static int luhnDigit(String body) {
    for (int d = 0; d <= 9; d++) {
      if (luhnValid(body + d)) {
        return d;
      }
    }
    throw new IllegalStateException("no Luhn digit completes " + body);
  }

  private static boolean digits(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
