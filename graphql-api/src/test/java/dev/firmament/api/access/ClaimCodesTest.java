package dev.firmament.api.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Claim codes as made and as typed back. */
class ClaimCodesTest {

  @Test
  void aCodeIsTwelveCrockfordCharactersInThreeGroupsAndCodesDiffer() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String code = ClaimCodes.generate();
      assertThat(code).matches("[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}");
      assertThat(ClaimCodes.normalize(code)).isEqualTo(code.replace("-", ""));
      seen.add(code);
    }
    assertThat(seen).hasSize(200);
  }

  @Test
  void typedCodesAreReadAsPeopleTypeThem() {
    assertThat(ClaimCodes.normalize("abcd-efgh-jkmn")).isEqualTo("ABCDEFGHJKMN");
    assertThat(ClaimCodes.normalize(" abcd efgh jkmn ")).isEqualTo("ABCDEFGHJKMN");
    // O reads as 0, I and L as 1.
    assertThat(ClaimCodes.normalize("OOOO-IIII-LLLL")).isEqualTo("000011111111");
    assertThat(ClaimCodes.normalize("0000-1111-2222")).isEqualTo("000011112222");
  }

  @Test
  void whatCannotBeACodeIsNone() {
    assertThat(ClaimCodes.normalize(null)).isNull();
    assertThat(ClaimCodes.normalize("")).isNull();
    assertThat(ClaimCodes.normalize("ABCD-EFGH-JKM")).as("eleven").isNull();
    assertThat(ClaimCodes.normalize("ABCD-EFGH-JKMNP")).as("thirteen").isNull();
    assertThat(ClaimCodes.normalize("ABCD-EFGH-JKMU")).as("U is not in the alphabet").isNull();
    assertThat(ClaimCodes.normalize("ABCD_EFGH_JKMN")).isNull();
    assertThat(ClaimCodes.normalize("A".repeat(12) + "-".repeat(20))).hasSize(12);
    assertThat(ClaimCodes.normalize("A".repeat(12) + "-".repeat(21))).as("over 32 typed").isNull();
  }
}
