package dev.firmament.api.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * The CSV of a SIM import, read as RFC 4180 says: fields separated by commas, records by CRLF or
 * LF, a field in double quotes may hold commas, line breaks and doubled quotes ({@code ""}). A
 * leading byte order mark (spreadsheets write one) and a trailing empty line are ignored; a blank
 * line in between is a record without fields, which the import refuses.
 */
public final class SimCsv {
  private SimCsv() {}

  /** One record and the line of the file it starts on (1-based, the header is line 1). */
  public record Row(int line, List<String> fields) {}

  /** A file that cannot be read as CSV at all: an unclosed quote, or text after a closing one. */
  public static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;

    Malformed(int line, String message) {
      super(message);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }

  public static List<Row> parse(String text) {
    String csv = text.startsWith("\uFEFF") ? text.substring(1) : text;
    List<Row> rows = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int line = 1;
    int rowLine = 1;
    boolean quoted = false;
    boolean afterQuote = false;
    int i = 0;
    while (i < csv.length()) {
      char c = csv.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
            field.append('"');
            i += 2;
            continue;
          }
          quoted = false;
          afterQuote = true;
        } else {
          if (c == '\n') {
            line++;
          }
          field.append(c);
        }
        i++;
        continue;
      }
      if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
        afterQuote = false;
      } else if (c == '\r' && i + 1 < csv.length() && csv.charAt(i + 1) == '\n') {
        i++;
        continue;
      } else if (c == '\n') {
        fields.add(field.toString());
        rows.add(new Row(rowLine, List.copyOf(fields)));
        fields.clear();
        field.setLength(0);
        afterQuote = false;
        line++;
        rowLine = line;
      } else if (c == '"' && field.isEmpty() && !afterQuote) {
        quoted = true;
      } else if (afterQuote) {
        throw new Malformed(line, "text after a closing quote; a quote in a field is doubled");
      } else {
        field.append(c);
      }
      i++;
    }
    if (quoted) {
      throw new Malformed(rowLine, "a quoted field is not closed");
    }
    // The last record, unless the file ended with a line break (the usual empty trailing line).
    if (!fields.isEmpty() || !field.isEmpty() || afterQuote) {
      fields.add(field.toString());
      rows.add(new Row(rowLine, List.copyOf(fields)));
    }
    return rows;
  }
}
