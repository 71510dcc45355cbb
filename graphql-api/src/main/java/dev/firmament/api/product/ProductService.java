package dev.firmament.api.product;

import static dev.firmament.sql.generated.Tables.PRODUCTS;

import dev.firmament.api.Ids;
import dev.firmament.api.NamePrefix;
import dev.firmament.api.Paged;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.api.tenant.TenantResolver;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.SortField;
import org.jooq.impl.DSL;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;

@Service
public class ProductService {
  private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final int MAX_NAME = 200;

  private final ProductRepository products;
  private final TenantResolver tenants;

  public ProductService(ProductRepository products, TenantResolver tenants) {
    this.products = products;
    this.tenants = tenants;
  }

  /** The caller's product with this id, or empty (also for ids that are not uuids). */
  public Optional<Product> find(String id) {
    return Ids.parse(id).flatMap(uuid -> products.findById(tenants.organizationId(), uuid));
  }

  /** The caller's product with this id; {@code NOT_FOUND} otherwise. */
  public Product require(String id) {
    return find(id).orElseThrow(() -> ApiException.notFound("product", id));
  }

  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public Product create(String name, String slug) {
    String trimmedName = name == null ? "" : name.strip();
    if (trimmedName.isEmpty() || trimmedName.length() > MAX_NAME) {
      throw ApiException.invalid("name must be 1 to " + MAX_NAME + " characters");
    }
    if (slug == null || !SLUG.matcher(slug).matches()) {
      throw ApiException.invalid(
          "slug must be 1 to 64 lower-case letters, digits or dashes, starting with a letter or"
              + " digit");
    }
    var organizationId = tenants.organizationId();
    if (products.slugExists(organizationId, slug)) {
      throw new ApiException(ErrorCode.ALREADY_EXISTS, "a product with slug '" + slug + "' exists");
    }
    try {
      return products.insert(organizationId, slug, trimmedName);
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS, "a product with slug '" + slug + "' exists", e);
      }
      throw e;
    }
  }

  /** Renames a product: 1 to {@value #MAX_NAME} characters. */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public Product rename(String id, String name) {
    Product product = require(id);
    String trimmedName = name == null ? "" : name.strip();
    if (trimmedName.isEmpty() || trimmedName.length() > MAX_NAME) {
      throw ApiException.invalid("name must be 1 to " + MAX_NAME + " characters");
    }
    return products.rename(tenants.organizationId(), product.id(), trimmedName).orElseThrow();
  }

  /**
   * Deletes a product that nothing hangs on any more; one that still has devices, firmware,
   * rollouts, groups or customers is refused with FAILED_PRECONDITION (move or remove them first).
   */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public UUID delete(String id) {
    Product product = require(id);
    UUID organizationId = tenants.organizationId();
    if (products.inUse(organizationId, product.id())) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "product "
              + product.slug()
              + " still has devices, firmware, rollouts, groups or customers; it cannot be"
              + " deleted");
    }
    try {
      products.delete(organizationId, product.id());
    } catch (org.springframework.dao.DataIntegrityViolationException e) {
      // Something came to hang on it between the check and the delete.
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "product " + product.slug() + " is in use; it cannot be deleted",
          e);
    }
    return product.id();
  }

  /** The orders {@code login.products(sort:)} accepts; the id breaks ties. */
  static List<SortField<?>> order(String sort) {
    return Paged.order(
        sort,
        "name",
        Paged.keys(
            Map.entry("name", PRODUCTS.NAME),
            Map.entry("slug", PRODUCTS.SLUG),
            Map.entry("createdAt", PRODUCTS.CREATED_AT)),
        PRODUCTS.ID);
  }

  /** A product filter as a condition, every field checked first. */
  Condition filter(String slug, String fleetId, String namePrefix) {
    Condition condition = DSL.noCondition();
    if (slug != null) {
      condition = condition.and(PRODUCTS.SLUG.eq(slug));
    }
    if (fleetId != null) {
      UUID fleet = Ids.parse(fleetId).orElseThrow(() -> ApiException.notFound("fleet", fleetId));
      condition = condition.and(PRODUCTS.FLEET_ID.eq(fleet));
    }
    if (namePrefix != null) {
      if (namePrefix.isEmpty() || namePrefix.length() > MAX_NAME) {
        throw ApiException.invalid("filter.namePrefix must be 1 to " + MAX_NAME + " characters");
      }
      condition = condition.and(NamePrefix.of(PRODUCTS.NAME, namePrefix));
    }
    return condition;
  }
}
