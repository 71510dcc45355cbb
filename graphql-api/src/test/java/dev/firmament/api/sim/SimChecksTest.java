package dev.firmament.api.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ICCID and IMSI checks, the CSV reader and the per-row checks of an import. */
class SimChecksTest {
  // A real-format ICCID (89 = telecom, 44 = UK) whose last digit is its Luhn check digit.
  static final String ICCID_19 = "8944500102198304826";
  static final String ICCID_20 = "89014103211118510720";

  @Test
  void acceptsIccidsWithTheirLuhnDigitAndNamesWhatIsWrongOtherwise() {
    assertThat(SimNumbers.iccidProblem(ICCID_19)).isNull();
    assertThat(SimNumbers.iccidProblem(ICCID_20)).isNull();
    assertThat(SimNumbers.iccidProblem("8944500102198304827")).contains("check digit");
    assertThat(SimNumbers.iccidProblem("89014103211118510721")).contains("check digit");
    assertThat(SimNumbers.iccidProblem(null)).contains("required");
    assertThat(SimNumbers.iccidProblem("")).contains("required");
    assertThat(SimNumbers.iccidProblem("894450010219830482")).contains("19 or 20");
    assertThat(SimNumbers.iccidProblem("894450010219830482612")).contains("19 or 20");
    assertThat(SimNumbers.iccidProblem("8944 00102198304826")).contains("digits only");
    assertThat(SimNumbers.iccidProblem("894450010219830482a")).contains("digits only");
    assertThat(SimNumbers.iccidProblem("/944500102198304826")).contains("digits only");
    assertThat(SimNumbers.iccidProblem(":944500102198304826")).contains("digits only");
    String notTelecom = "7944500102198304" + "82";
    String body = notTelecom.substring(0, 18);
    assertThat(SimNumbers.iccidProblem(body + SimNumbers.luhnDigit(body))).contains("89");
  }

  @Test
  void luhnDoublesEverySecondDigitFromTheRight() {
    assertThat(SimNumbers.luhnValid("79927398713")).isTrue();
    assertThat(SimNumbers.luhnValid("79927398710")).isFalse();
    assertThat(SimNumbers.luhnValid("0")).isTrue();
    assertThat(SimNumbers.luhnValid("18")).isTrue();
    assertThat(SimNumbers.luhnValid("59")).isTrue();
    assertThat(SimNumbers.luhnValid("91")).isTrue();
    assertThat(SimNumbers.luhnDigit("7992739871")).isEqualTo(3);
    assertThat(SimNumbers.luhnDigit("894450010219830482")).isEqualTo(6);
    assertThat(SimNumbers.luhnDigit("894450010219830485")).isEqualTo(9);
  }

  @Test
  void imsisAreFifteenDigits() {
    assertThat(SimNumbers.imsiProblem("310150123456789")).isNull();
    assertThat(SimNumbers.imsiProblem("31015012345678")).contains("15");
    assertThat(SimNumbers.imsiProblem("3101501234567890")).contains("15");
    assertThat(SimNumbers.imsiProblem("31015012345678a")).contains("15");
    assertThat(SimNumbers.imsiProblem("/10150123456789")).contains("15");
    assertThat(SimNumbers.imsiProblem(":10150123456789")).contains("15");
    assertThat(SimNumbers.imsiProblem(null)).contains("required");
    assertThat(SimNumbers.imsiProblem("")).contains("required");
  }

  @Test
  void readsQuotedFieldsCrlfABomAndIgnoresTheTrailingEmptyLine() {
    List<SimCsv.Row> rows =
        SimCsv.parse(
            "\uFEFFa,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\r\n\"two\nlines\",2,3\r\n4,5,6\r\n");
    assertThat(rows)
        .containsExactly(
            new SimCsv.Row(1, List.of("a", "b", "c")),
            new SimCsv.Row(2, List.of("x, y", "say \"hi\"", "")),
            new SimCsv.Row(3, List.of("two\nlines", "2", "3")),
            new SimCsv.Row(5, List.of("4", "5", "6")));
    assertThat(SimCsv.parse("a\n1\n\n2")).extracting(SimCsv.Row::line).containsExactly(1, 2, 3, 4);
    assertThat(SimCsv.parse("a\n\"\"")).last().isEqualTo(new SimCsv.Row(2, List.of("")));
    assertThat(SimCsv.parse("a\r\nb"))
        .containsExactly(new SimCsv.Row(1, List.of("a")), new SimCsv.Row(2, List.of("b")));
    assertThat(SimCsv.parse("a,b\r")).containsExactly(new SimCsv.Row(1, List.of("a", "b\r")));
    assertThat(SimCsv.parse("a\rb")).containsExactly(new SimCsv.Row(1, List.of("a\rb")));
    assertThat(SimCsv.parse("a\"b")).containsExactly(new SimCsv.Row(1, List.of("a\"b")));
    assertThat(SimCsv.parse("")).isEmpty();
    assertThat(SimCsv.parse("\uFEFF")).isEmpty();
    assertThatThrownBy(() -> SimCsv.parse("a\n\"open"))
        .isInstanceOf(SimCsv.Malformed.class)
        .hasMessageContaining("not closed")
        .satisfies(e -> assertThat(((SimCsv.Malformed) e).line()).isEqualTo(2));
    assertThatThrownBy(() -> SimCsv.parse("a\n\n\"x\"y"))
        .isInstanceOf(SimCsv.Malformed.class)
        .satisfies(e -> assertThat(((SimCsv.Malformed) e).line()).isEqualTo(3));
  }

  @Test
  void checksEveryRowAndNamesLineColumnAndReason() {
    String csv =
        "ICCID, imsi,carrier,monthly_cap_bytes,overage_policy,device_id\n"
            + ICCID_19
            + ",310150123456789,Acme,1000,block,\n"
            + "8944500102198304827,310150123456780,Acme,1000,BLOCK,\n"
            + ICCID_19
            + ",310150123456781,Acme,-5,SOMETIMES,d1\n"
            + ICCID_20
            + ",310150123456789,,1000,ALLOW,d1\n"
            + "1,2\n";
    List<Sims.RowError> errors = new ArrayList<>();
    List<Sims.NewSim> sims = Sims.checkRows(SimCsv.parse(csv), errors);
    assertThat(errors)
        .containsExactly(
            new Sims.RowError(3, "iccid", SimNumbers.iccidProblem("8944500102198304827")),
            new Sims.RowError(
                4,
                "monthly_cap_bytes",
                "a cap is a whole number of bytes, 0 to 999999999999999999, was '-5'"),
            new Sims.RowError(
                4,
                "overage_policy",
                "the overage policy is BLOCK, THROTTLE or ALLOW, was 'SOMETIMES'"),
            new Sims.RowError(5, "carrier", "a carrier is 1 to 100 characters"),
            new Sims.RowError(6, null, "the row has 2 fields, the header 6"));
    assertThat(sims).singleElement().extracting(Sims.NewSim::overagePolicy).isEqualTo("BLOCK");

    errors.clear();
    String duplicates =
        "iccid,imsi,carrier,monthly_cap_bytes,overage_policy,device_id\n"
            + ICCID_19
            + ",310150123456789,Acme,1,ALLOW,d1\n"
            + ICCID_19
            + ",310150123456789,Acme,1,ALLOW,d1\n";
    Sims.checkRows(SimCsv.parse(duplicates), errors);
    assertThat(errors)
        .containsExactly(
            new Sims.RowError(3, "iccid", "the same ICCID as line 2 of the file"),
            new Sims.RowError(3, "imsi", "the same IMSI as line 2 of the file"),
            new Sims.RowError(3, "device_id", "the same device as line 2 of the file"));
  }

  @Test
  void refusesABadHeader() {
    List<Sims.RowError> errors = new ArrayList<>();
    Sims.checkRows(SimCsv.parse("iccid,imsi,imsi,colour\n"), errors);
    assertThat(errors)
        .extracting(Sims.RowError::column)
        .containsExactly("imsi", "colour", "carrier", "monthly_cap_bytes", "overage_policy");
    errors.clear();
    Sims.checkRows(SimCsv.parse("iccid,imsi,carrier,monthly_cap_bytes,overage_policy\n"), errors);
    assertThat(errors)
        .singleElement()
        .extracting(Sims.RowError::message)
        .asString()
        .contains("no SIM");
    errors.clear();
    Sims.checkRows(List.of(), errors);
    assertThat(errors).singleElement().extracting(Sims.RowError::line).isEqualTo(1);
  }

  @Test
  void checksTheFieldsOfOneSim() {
    List<Sims.RowError> errors = new ArrayList<>();
    Sims.NewSim sim =
        Sims.check(7, ICCID_20, "310150123456789", " Acme ", "0", "throttle", " d-1 ", errors);
    assertThat(errors).isEmpty();
    assertThat(sim)
        .isEqualTo(new Sims.NewSim(7, ICCID_20, "310150123456789", "Acme", 0, "THROTTLE", "d-1"));
    assertThat(
            Sims.check(
                    7,
                    ICCID_20,
                    "310150123456789",
                    "Acme",
                    "999999999999999999",
                    "ALLOW",
                    null,
                    errors)
                .monthlyCapBytes())
        .isEqualTo(999_999_999_999_999_999L);
    assertThat(
            Sims.check(
                7, ICCID_20, "310150123456789", "Acme", "1", "ALLOW", "x".repeat(65), errors))
        .isNull();
    assertThat(errors).singleElement().extracting(Sims.RowError::column).isEqualTo("device_id");
    errors.clear();
    assertThat(
            Sims.check(
                7, ICCID_20, "310150123456789", "Acme", "1", "ALLOW", "x".repeat(64), errors))
        .isNotNull();
    assertThat(Sims.check(7, ICCID_20, "310150123456789", "Acme", null, null, null, errors))
        .isNull();
    assertThat(errors)
        .extracting(Sims.RowError::column)
        .containsExactly("monthly_cap_bytes", "overage_policy");
    errors.clear();
    Sims.check(7, ICCID_20, "310150123456789", "Acme", "1", "p".repeat(40), null, errors);
    Sims.check(7, ICCID_20, "310150123456789", "Acme", "1", "p".repeat(41), null, errors);
    assertThat(errors)
        .extracting(Sims.RowError::message)
        .containsExactly(
            "the overage policy is BLOCK, THROTTLE or ALLOW, was '" + "p".repeat(40) + "'",
            "the overage policy is BLOCK, THROTTLE or ALLOW, was '" + "p".repeat(40) + "...'");
    assertThat(Sims.carrierProblem("a\u0007b")).contains("control");
    assertThat(Sims.carrierProblem("c".repeat(100))).isNull();
    assertThat(Sims.carrierProblem("c".repeat(101))).contains("100");
  }
}
