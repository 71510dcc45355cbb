package dev.firmament.api.fleet;

import dev.firmament.api.Ids;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.UniqueViolations;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductRepository;
import dev.firmament.api.tenant.TenantResolver;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** Fleets and who owns them; every check runs before the first write. */
@Service
public class FleetService {
  static final Set<String> ROLES = Set.of("OWNER", "MANAGER", "VIEWER");
  private static final int MAX_NAME = 100;
  private static final int MAX_DESCRIPTION = 1000;
  private static final int MAX_PRODUCTS = 1000;
  private static final Pattern TEXT = Pattern.compile("[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]*");

  private final FleetRepository fleets;
  private final ProductRepository products;
  private final TenantResolver tenants;
  private final TransactionTemplate transaction;

  public FleetService(
      FleetRepository fleets,
      ProductRepository products,
      TenantResolver tenants,
      PlatformTransactionManager transactionManager) {
    this.fleets = fleets;
    this.products = products;
    this.tenants = tenants;
    this.transaction = new TransactionTemplate(transactionManager);
  }

  /** A new fleet, owned by the organization, holding these products (moved from their fleets). */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public Fleet create(String name, String description, List<String> productIds) {
    UUID organizationId = tenants.organizationId();
    String checkedName = name(name);
    String checkedDescription = description(description);
    Set<UUID> members = products(organizationId, productIds == null ? List.of() : productIds);
    if (fleets.nameTaken(organizationId, checkedName, null)) {
      throw new ApiException(
          ErrorCode.ALREADY_EXISTS, "a fleet named '" + checkedName + "' exists");
    }
    String actor = Callers.current().actor();
    try {
      return transaction.execute(
          status -> {
            Fleet fleet = fleets.insert(organizationId, checkedName, checkedDescription, actor);
            if (!members.isEmpty()) {
              fleets.assign(organizationId, members, fleet.id());
            }
            return fleet;
          });
    } catch (RuntimeException e) {
      if (UniqueViolations.isUniqueViolation(e)) {
        throw new ApiException(
            ErrorCode.ALREADY_EXISTS, "a fleet named '" + checkedName + "' exists", e);
      }
      throw e;
    }
  }

  /** Renames a fleet or changes its description; what is left out stays, an empty text clears. */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public Fleet update(String id, String name, String description) {
    UUID organizationId = tenants.organizationId();
    Fleet fleet = require(organizationId, id);
    String checkedName = name == null ? null : name(name);
    String checkedDescription = description == null ? null : description(description);
    if (checkedName != null && fleets.nameTaken(organizationId, checkedName, fleet.id())) {
      throw new ApiException(
          ErrorCode.ALREADY_EXISTS, "a fleet named '" + checkedName + "' exists");
    }
    return fleets.update(organizationId, fleet.id(), checkedName, checkedDescription).orElseThrow();
  }

  /** Deletes a fleet; its products stay, without a fleet. */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public UUID delete(String id) {
    UUID organizationId = tenants.organizationId();
    Fleet fleet = require(organizationId, id);
    fleets.delete(organizationId, fleet.id());
    return fleet.id();
  }

  /** Puts products into a fleet, or out of any (fleetId null). */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public List<Product> assign(List<String> productIds, String fleetId) {
    UUID organizationId = tenants.organizationId();
    Set<UUID> members = products(organizationId, productIds);
    if (members.isEmpty()) {
      throw ApiException.invalid("productIds must name at least one product");
    }
    Fleet fleet = fleetId == null ? null : require(organizationId, fleetId);
    fleets.assign(organizationId, members, fleet == null ? null : fleet.id());
    return products.findByIds(organizationId, members);
  }

  /** Grants a member of the organization a role on the fleet, replacing the role they had. */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public FleetOwnership grant(String fleetId, String email, String role) {
    UUID organizationId = tenants.organizationId();
    Fleet fleet = require(organizationId, fleetId);
    if (role == null || !ROLES.contains(role)) {
      throw ApiException.invalid("role must be OWNER, MANAGER or VIEWER, got '" + role + "'");
    }
    UUID user =
        fleets
            .memberByEmail(organizationId, email == null ? "" : email.strip())
            .orElseThrow(
                () ->
                    new ApiException(
                        ErrorCode.NOT_FOUND, "no member of the organization with email " + email));
    String actor = Callers.current().actor();
    UUID id =
        transaction.execute(status -> fleets.grant(organizationId, fleet.id(), user, role, actor));
    return fleets.ownership(organizationId, id).orElseThrow();
  }

  /** Revokes a member's ownership; the organization's own cannot be revoked. */
  @PreAuthorize("hasAuthority('SCOPE_products:write')")
  public FleetOwnership revoke(String ownershipId) {
    UUID organizationId = tenants.organizationId();
    FleetOwnership ownership =
        Ids.parse(ownershipId)
            .flatMap(id -> fleets.ownership(organizationId, id))
            .orElseThrow(() -> ApiException.notFound("fleet ownership", ownershipId));
    if (ownership.user() == null) {
      throw new ApiException(
          ErrorCode.FAILED_PRECONDITION,
          "the organization's ownership of its fleet cannot be revoked; delete the fleet instead");
    }
    fleets.revoke(organizationId, ownership.id());
    return ownership;
  }

  private Fleet require(UUID organizationId, String id) {
    return Ids.parse(id)
        .flatMap(uuid -> fleets.find(organizationId, uuid))
        .orElseThrow(() -> ApiException.notFound("fleet", id));
  }

  private Set<UUID> products(UUID organizationId, List<String> productIds) {
    if (productIds.size() > MAX_PRODUCTS) {
      throw ApiException.invalid("at most " + MAX_PRODUCTS + " products per call");
    }
    Set<UUID> ids = new LinkedHashSet<>();
    Set<String> unknown = new TreeSet<>();
    for (String productId : productIds) {
      Ids.parse(productId).ifPresentOrElse(ids::add, () -> unknown.add(productId));
    }
    Set<UUID> found = new java.util.HashSet<>();
    products.findByIds(organizationId, ids).forEach(p -> found.add(p.id()));
    ids.stream().filter(id -> !found.contains(id)).forEach(id -> unknown.add(id.toString()));
    if (!unknown.isEmpty()) {
      throw new ApiException(ErrorCode.NOT_FOUND, "products not found: " + unknown);
    }
    return ids;
  }

  private static String name(String name) {
    String trimmed = name == null ? "" : name.strip();
    if (trimmed.isEmpty() || trimmed.length() > MAX_NAME || !TEXT.matcher(trimmed).matches()) {
      throw ApiException.invalid(
          "name must be 1 to " + MAX_NAME + " characters without control characters");
    }
    return trimmed;
  }

  private static String description(String description) {
    String trimmed = description == null ? null : description.strip();
    if (trimmed != null
        && (trimmed.length() > MAX_DESCRIPTION || !TEXT.matcher(trimmed).matches())) {
      throw ApiException.invalid(
          "description must be at most "
              + MAX_DESCRIPTION
              + " characters without control characters");
    }
    return trimmed;
  }
}
