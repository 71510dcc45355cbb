package dev.firmament.api.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The checks a device filter and a device's tags pass before anything is read or written. */
class DeviceFiltersTest {
  private static final UUID PRODUCT = UUID.randomUUID();
  private static final UUID GROUP = UUID.randomUUID();

  private static final DeviceFilters.Exists KNOWN =
      new DeviceFilters.Exists() {
        @Override
        public boolean product(UUID id) {
          return id.equals(PRODUCT);
        }

        @Override
        public boolean group(UUID id) {
          return id.equals(GROUP);
        }
      };

  private static DeviceFilter filter(
      String product, String group, List<String> tags, List<String> versions, String prefix) {
    return new DeviceFilter(product, group, tags, versions, null, prefix);
  }

  private static void refused(DeviceFilter filter, ErrorCode code, String mentions) {
    assertThatThrownBy(() -> DeviceFilters.check(filter, KNOWN))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.code()).isEqualTo(code);
              assertThat(e.getMessage()).contains(mentions);
            });
  }

  @Test
  void aCheckedFilterKeepsWhatWasGiven() {
    DeviceFilters.Checked checked =
        DeviceFilters.check(
            new DeviceFilter(
                PRODUCT.toString(),
                GROUP.toString(),
                List.of("a", "b", "a"),
                List.of("1.0"),
                true,
                "x"),
            KNOWN);
    assertThat(checked.productId()).isEqualTo(PRODUCT);
    assertThat(checked.groupId()).isEqualTo(GROUP);
    assertThat(checked.tags()).containsExactly("a", "b");
    assertThat(checked.firmwareVersions()).containsExactly("1.0");
    assertThat(checked.online()).isTrue();
    assertThat(checked.namePrefix()).isEqualTo("x");
    assertThat(DeviceFilters.check(null, KNOWN)).isEqualTo(DeviceFilters.Checked.ALL);
    UUID other = UUID.randomUUID();
    assertThat(checked.inProduct(other).productId()).isEqualTo(other);
    assertThat(checked.inProduct(other).tags()).containsExactly("a", "b");
  }

  @Test
  void unknownIdsAreNotFoundAndMalformedValuesInvalid() {
    refused(
        filter(UUID.randomUUID().toString(), null, null, null, null),
        ErrorCode.NOT_FOUND,
        "product");
    refused(filter("nope", null, null, null, null), ErrorCode.NOT_FOUND, "product");
    refused(
        filter(null, UUID.randomUUID().toString(), null, null, null), ErrorCode.NOT_FOUND, "group");
    refused(
        filter(null, null, List.of("ok", "not ok"), null, null),
        ErrorCode.INVALID_ARGUMENT,
        "filter.tags");
    refused(
        filter(null, null, null, List.of(), null), ErrorCode.INVALID_ARGUMENT, "firmwareVersions");
    refused(
        filter(null, null, null, Collections.nCopies(101, "1.0"), null),
        ErrorCode.INVALID_ARGUMENT,
        "firmwareVersions");
    refused(
        filter(null, null, null, List.of(" "), null),
        ErrorCode.INVALID_ARGUMENT,
        "firmwareVersions");
    refused(
        filter(null, null, null, List.of("v".repeat(129)), null),
        ErrorCode.INVALID_ARGUMENT,
        "firmwareVersions");
    refused(filter(null, null, null, null, ""), ErrorCode.INVALID_ARGUMENT, "namePrefix");
    refused(
        filter(null, null, null, null, "n".repeat(201)), ErrorCode.INVALID_ARGUMENT, "namePrefix");
    assertThat(
            DeviceFilters.check(
                    filter(null, null, null, List.of("v".repeat(128)), "n".repeat(200)), KNOWN)
                .namePrefix())
        .hasSize(200);
    assertThat(
            DeviceFilters.check(
                    filter(null, null, null, Collections.nCopies(100, "1.0"), null), KNOWN)
                .firmwareVersions())
        .hasSize(100);
  }

  @Test
  void tagsAreShortPlainWordsAndAtMostTwenty() {
    assertThat(DeviceFilters.tags(null, "tags")).isEmpty();
    assertThat(DeviceFilters.tags(List.of("eu-west:1", "A_b.c", "t".repeat(64)), "tags"))
        .hasSize(3);
    for (String bad : List.of("", "a b", "é", "t".repeat(65), "a/b")) {
      assertThatThrownBy(() -> DeviceFilters.tags(List.of(bad), "tags"))
          .as(bad)
          .isInstanceOf(ApiException.class);
    }
    List<String> twenty = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "t" + i).toList();
    assertThat(DeviceFilters.tags(twenty, "tags")).hasSize(20);
    List<String> twentyOne =
        java.util.stream.IntStream.range(0, 21).mapToObj(i -> "t" + i).toList();
    assertThatThrownBy(() -> DeviceFilters.tags(twentyOne, "tags"))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.getMessage()).contains("at most 20"));
    // Twenty-one given, twenty distinct: fine.
    List<String> repeated = new java.util.ArrayList<>(twenty);
    repeated.add("t0");
    assertThat(DeviceFilters.tags(repeated, "tags")).hasSize(20);
    assertThatThrownBy(() -> DeviceFilters.tags(java.util.Arrays.asList("a", null), "tags"))
        .isInstanceOf(ApiException.class);
  }
}
