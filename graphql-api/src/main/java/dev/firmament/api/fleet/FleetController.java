package dev.firmament.api.fleet;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductRepository;
import dev.firmament.api.tenant.Login;
import dev.firmament.api.tenant.TenantResolver;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/** Fleets ({@code Fleet}, {@code FleetOwnership}) and the product's fleet. */
@Controller
public class FleetController {
  private final FleetService service;
  private final FleetRepository fleets;
  private final ProductRepository products;
  private final TenantResolver tenants;

  public FleetController(
      FleetService service,
      FleetRepository fleets,
      ProductRepository products,
      TenantResolver tenants) {
    this.service = service;
    this.fleets = fleets;
    this.products = products;
    this.tenants = tenants;
  }

  public record CreateFleetInput(String name, String description, List<String> productIds) {}

  public record UpdateFleetInput(String id, String name, String description) {}

  public record FleetPayload(Fleet fleet) {}

  public record DeleteFleetInput(String id) {}

  public record DeleteFleetPayload(UUID deletedFleetId) {}

  public record AssignProductsToFleetInput(List<String> productIds, String fleetId) {}

  public record AssignProductsToFleetPayload(List<Product> products) {}

  public record GrantFleetOwnershipInput(String fleetId, String email, String role) {}

  public record RevokeFleetOwnershipInput(String ownershipId) {}

  public record FleetOwnershipPayload(FleetOwnership ownership) {}

  @QueryMapping
  public Fleet fleet(@Argument String id) {
    return dev.firmament.api.Ids.parse(id)
        .flatMap(uuid -> fleets.find(tenants.organizationId(), uuid))
        .orElse(null);
  }

  @SchemaMapping(typeName = "Login")
  public Page<Fleet> fleets(Login login, @Argument Integer from, @Argument Integer size) {
    Window window = Pagination.fromSize(from, size);
    UUID organizationId = login.organization().id();
    return Page.of(
        window.offset(),
        fleets.count(organizationId),
        fleets.page(organizationId, window.offset(), window.limit()));
  }

  @MutationMapping
  public FleetPayload createFleet(@Argument CreateFleetInput input) {
    return new FleetPayload(service.create(input.name(), input.description(), input.productIds()));
  }

  @MutationMapping
  public FleetPayload updateFleet(@Argument UpdateFleetInput input) {
    return new FleetPayload(service.update(input.id(), input.name(), input.description()));
  }

  @MutationMapping
  public DeleteFleetPayload deleteFleet(@Argument DeleteFleetInput input) {
    return new DeleteFleetPayload(service.delete(input.id()));
  }

  @MutationMapping
  public AssignProductsToFleetPayload assignProductsToFleet(
      @Argument AssignProductsToFleetInput input) {
    return new AssignProductsToFleetPayload(service.assign(input.productIds(), input.fleetId()));
  }

  @MutationMapping
  public FleetOwnershipPayload grantFleetOwnership(@Argument GrantFleetOwnershipInput input) {
    return new FleetOwnershipPayload(service.grant(input.fleetId(), input.email(), input.role()));
  }

  @MutationMapping
  public FleetOwnershipPayload revokeFleetOwnership(@Argument RevokeFleetOwnershipInput input) {
    return new FleetOwnershipPayload(service.revoke(input.ownershipId()));
  }

  @BatchMapping(typeName = "Fleet", field = "products")
  public Map<Fleet, List<Product>> fleetProducts(List<Fleet> sources) {
    UUID organizationId = tenants.organizationId();
    Map<UUID, List<UUID>> members =
        fleets.productsOf(organizationId, sources.stream().map(Fleet::id).toList());
    Map<UUID, Product> byId =
        index(
            products.findByIds(
                organizationId, members.values().stream().flatMap(List::stream).toList()),
            Product::id);
    return mapEach(
        sources,
        f ->
            members.getOrDefault(f.id(), List.of()).stream()
                .map(byId::get)
                .filter(Objects::nonNull)
                .toList());
  }

  @BatchMapping(typeName = "Fleet", field = "ownerships")
  public Map<Fleet, List<FleetOwnership>> ownerships(List<Fleet> sources) {
    Map<UUID, List<FleetOwnership>> owned =
        fleets.ownershipsOf(tenants.organizationId(), sources.stream().map(Fleet::id).toList());
    return mapEach(sources, f -> owned.getOrDefault(f.id(), List.of()));
  }

  @BatchMapping(typeName = "FleetOwnership", field = "fleet")
  public Map<FleetOwnership, Fleet> ownershipFleet(List<FleetOwnership> sources) {
    Map<UUID, Fleet> byId =
        index(
            fleets.findByIds(
                tenants.organizationId(),
                sources.stream().map(FleetOwnership::fleetId).distinct().toList()),
            Fleet::id);
    return mapEach(sources, o -> byId.get(o.fleetId()));
  }

  @BatchMapping(typeName = "Product", field = "fleet")
  public Map<Product, Fleet> productFleet(List<Product> sources) {
    List<UUID> ids =
        sources.stream().map(Product::fleetId).filter(Objects::nonNull).distinct().toList();
    Map<UUID, Fleet> byId =
        ids.isEmpty()
            ? new java.util.HashMap<>()
            : index(fleets.findByIds(tenants.organizationId(), ids), Fleet::id);
    return mapEach(sources, p -> p.fleetId() == null ? null : byId.get(p.fleetId()));
  }
}
