package dev.firmament.cli;

import java.util.List;

/**
 * CSV as RFC 4180 writes it, with a plain newline after each row: a field holding a comma, a quote,
 * a line break or leading or trailing spaces is quoted, its quotes doubled; a missing value is an
 * empty field.
 */
final class Csv {
  private Csv() {}

  /** One row, its newline included. */
  static String row(List<String> fields) {
    StringBuilder row = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        row.append(',');
      }
      row.append(field(fields.get(i)));
    }
    return row.append('\n').toString();
  }

  static String field(String value) {
    if (value == null) {
      return "";
    }
    boolean quote =
        value.indexOf(',') >= 0
            || value.indexOf('"') >= 0
            || value.indexOf('\n') >= 0
            || value.indexOf('\r') >= 0
            || (!value.isEmpty()
                && (Character.isWhitespace(value.charAt(0))
                    || Character.isWhitespace(value.charAt(value.length() - 1))));
    return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
  }
}
