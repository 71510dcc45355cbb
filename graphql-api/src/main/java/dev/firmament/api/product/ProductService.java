package dev.firmament.api.product;

import dev.firmament.api.Ids;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.api.tenant.TenantResolver;
import java.util.Optional;
import java.util.regex.Pattern;
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
}
