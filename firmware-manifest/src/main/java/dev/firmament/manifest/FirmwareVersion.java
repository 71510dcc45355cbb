package dev.firmament.manifest;

import java.util.Comparator;

/**
 * Orders version strings the way the protocol does when it decides what is a downgrade.
 *
 * <p>Versions are split on {@code .}, {@code -} and {@code +}; numeric parts compare as numbers,
 * other parts as strings, and a numeric part sorts after a textual one. A version that is a prefix
 * of another sorts first ({@code 1.2 < 1.2.1}). Build metadata is not special-cased; keep version
 * strings simple ({@code 2.4.1}).
 */
public final class FirmwareVersion {

  /** The protocol's version order. */
  public static final Comparator<String> ORDER = FirmwareVersion::compare;

  private FirmwareVersion() {}

  /** Negative, zero or positive as {@code a} is older than, equal to or newer than {@code b}. */
  public static int compare(String a, String b) {
    String[] left = a.split("[.+-]");
    String[] right = b.split("[.+-]");
    for (int i = 0; i < Math.min(left.length, right.length); i++) {
      int c = comparePart(left[i], right[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(left.length, right.length);
  }

  /** Whether installing {@code target} over {@code current} is a downgrade. */
  public static boolean isDowngrade(String current, String target) {
    return compare(target, current) < 0;
  }

  private static int comparePart(String a, String b) {
    boolean aNumeric = isNumeric(a);
    boolean bNumeric = isNumeric(b);
    if (aNumeric && bNumeric) {
      String x = stripLeadingZeros(a);
      String y = stripLeadingZeros(b);
      return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
    }
    if (aNumeric != bNumeric) {
      return aNumeric ? 1 : -1;
    }
    return a.compareTo(b);
  }

  private static boolean isNumeric(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static String stripLeadingZeros(String s) {
    int i = 0;
    while (i < s.length() - 1 && s.charAt(i) == '0') {
      i++;
    }
    return s.substring(i);
  }
}
