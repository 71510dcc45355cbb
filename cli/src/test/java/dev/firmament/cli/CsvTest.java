package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CSV of {@code rollouts results --csv}: RFC 4180 quoting, an empty field for null. */
class CsvTest {
  @Test
  void plainFieldsStayAsTheyAre() {
    assertThat(Csv.row(List.of("dev-1", "FAILED", "2", "1024"))).isEqualTo("dev-1,FAILED,2,1024\n");
  }

  @Test
  void aMissingValueIsAnEmptyField() {
    assertThat(Csv.row(Arrays.asList("dev-1", null, null))).isEqualTo("dev-1,,\n");
    assertThat(Csv.field("")).isEmpty();
  }

  @Test
  void commasQuotesAndLineBreaksAreQuotedWithQuotesDoubled() {
    assertThat(Csv.field("a,b")).isEqualTo("\"a,b\"");
    assertThat(Csv.field("say \"no\"")).isEqualTo("\"say \"\"no\"\"\"");
    assertThat(Csv.field("line 1\nline 2")).isEqualTo("\"line 1\nline 2\"");
    assertThat(Csv.field("cr\r")).isEqualTo("\"cr\r\"");
    assertThat(Csv.field(" padded ")).isEqualTo("\" padded \"");
    // Each special character counts wherever it is, the first position included.
    assertThat(Csv.field(",a")).isEqualTo("\",a\"");
    assertThat(Csv.field("\"a")).isEqualTo("\"\"\"a\"");
    assertThat(Csv.field("\na")).isEqualTo("\"\na\"");
    assertThat(Csv.field("\ra")).isEqualTo("\"\ra\"");
    assertThat(Csv.field("trailing ")).isEqualTo("\"trailing \"");
    assertThat(Csv.field(" leading")).isEqualTo("\" leading\"");
    assertThat(Csv.row(List.of("d", "flash failed: \"bad crc\", block 3")))
        .isEqualTo("d,\"flash failed: \"\"bad crc\"\", block 3\"\n");
  }

  @Test
  void aQuotedRowReadsBackToItsFields() {
    List<String> fields = List.of("x", "a,\"b\"\nc", "", " y");
    assertThat(parse(Csv.row(fields))).isEqualTo(fields);
  }

  /** A minimal RFC 4180 reader of one row, to check the writer against. */
  private static List<String> parse(String row) {
    List<String> fields = new java.util.ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < row.length(); i++) {
      char c = row.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < row.length() && row.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',' || c == '\n') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    return fields;
  }
}
