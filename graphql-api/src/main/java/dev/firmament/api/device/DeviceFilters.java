package dev.firmament.api.device;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;

import dev.firmament.api.Ids;
import dev.firmament.api.NamePrefix;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/** Checks device filters and tags, and turns a checked filter into SQL. */
public final class DeviceFilters {
  /** A tag: 1 to 64 characters of {@code A-Z a-z 0-9 _ . : -}. */
  static final Pattern TAG = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

  static final int MAX_TAGS = 20;
  static final int MAX_VERSIONS = 100;
  static final int MAX_PREFIX = 200;

  private DeviceFilters() {}

  /** A filter whose every field was checked; ids resolved to the caller's organization. */
  public record Checked(
      UUID productId,
      UUID groupId,
      List<String> tags,
      List<String> firmwareVersions,
      Boolean online,
      String namePrefix) {

    static final Checked ALL = new Checked(null, null, List.of(), List.of(), null, null);

    /** The same filter, narrowed to one product. */
    Checked inProduct(UUID product) {
      return new Checked(product, groupId, tags, firmwareVersions, online, namePrefix);
    }
  }

  /** Looks up whether the organization has a product or group with this id. */
  interface Exists {
    boolean product(UUID id);

    boolean group(UUID id);
  }

  /**
   * Checks every field: ids that name nothing of the organization are NOT_FOUND, malformed values
   * INVALID_ARGUMENT, each naming the field.
   */
  static Checked check(DeviceFilter filter, Exists exists) {
    if (filter == null) {
      return Checked.ALL;
    }
    UUID productId = null;
    if (filter.productId() != null) {
      productId =
          Ids.parse(filter.productId())
              .filter(exists::product)
              .orElseThrow(() -> ApiException.notFound("product", filter.productId()));
    }
    UUID groupId = null;
    if (filter.groupId() != null) {
      groupId =
          Ids.parse(filter.groupId())
              .filter(exists::group)
              .orElseThrow(() -> ApiException.notFound("device group", filter.groupId()));
    }
    List<String> tags = tags(filter.tags(), "filter.tags");
    List<String> versions = new ArrayList<>();
    if (filter.firmwareVersions() != null) {
      if (filter.firmwareVersions().isEmpty() || filter.firmwareVersions().size() > MAX_VERSIONS) {
        throw ApiException.invalid(
            "filter.firmwareVersions must name 1 to " + MAX_VERSIONS + " versions");
      }
      for (String version : filter.firmwareVersions()) {
        if (version == null || version.isBlank() || version.length() > 128) {
          throw ApiException.invalid(
              "filter.firmwareVersions: a version is 1 to 128 characters, got '" + version + "'");
        }
        versions.add(version);
      }
    }
    String prefix = filter.namePrefix();
    if (prefix != null && (prefix.isEmpty() || prefix.length() > MAX_PREFIX)) {
      throw ApiException.invalid("filter.namePrefix must be 1 to " + MAX_PREFIX + " characters");
    }
    return new Checked(productId, groupId, tags, versions, filter.online(), prefix);
  }

  /**
   * Checks a list of tags: at most {@value #MAX_TAGS}, each matching {@link #TAG}, duplicates
   * folded; null is no tags.
   */
  static List<String> tags(List<String> tags, String field) {
    if (tags == null) {
      return List.of();
    }
    Set<String> unique = new LinkedHashSet<>();
    for (String tag : tags) {
      if (tag == null || !TAG.matcher(tag).matches()) {
        throw ApiException.invalid(
            field + ": a tag is 1 to 64 characters of A-Z a-z 0-9 _ . : -, got '" + tag + "'");
      }
      unique.add(tag);
    }
    if (unique.size() > MAX_TAGS) {
      throw new ApiException(
          ErrorCode.INVALID_ARGUMENT,
          field + ": at most " + MAX_TAGS + " tags, got " + unique.size());
    }
    return List.copyOf(unique);
  }

  /** The filter as a condition on {@code devices}. */
  static Condition condition(Checked f) {
    Condition c = DSL.noCondition();
    if (f.productId() != null) {
      c = c.and(DEVICES.PRODUCT_ID.eq(f.productId()));
    }
    if (f.groupId() != null) {
      c =
          c.and(
              DEVICES.ID.in(
                  DSL.select(DEVICE_GROUP_MEMBERS.DEVICE_ID)
                      .from(DEVICE_GROUP_MEMBERS)
                      .where(DEVICE_GROUP_MEMBERS.GROUP_ID.eq(f.groupId()))));
    }
    if (!f.tags().isEmpty()) {
      c =
          c.and(
              DSL.condition("{0} @> {1}", DEVICES.TAGS, DSL.val(f.tags().toArray(String[]::new))));
    }
    if (!f.firmwareVersions().isEmpty()) {
      c = c.and(DEVICES.FIRMWARE_VERSION.in(f.firmwareVersions()));
    }
    if (f.online() != null) {
      c = c.and(DEVICES.ONLINE.eq(f.online()));
    }
    if (f.namePrefix() != null) {
      c = c.and(NamePrefix.of(DEVICES.NAME, f.namePrefix()));
    }
    return c;
  }
}
