package dev.firmament.api.product;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.tenant.Login;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

@Controller
public class ProductController {
  private final ProductService service;
  private final ProductRepository products;

  public ProductController(ProductService service, ProductRepository products) {
    this.service = service;
    this.products = products;
  }

  public record CreateProductInput(String name, String slug) {}

  public record CreateProductPayload(Product product) {}

  public record UpdateProductInput(String id, String name) {}

  public record UpdateProductPayload(Product product) {}

  public record DeleteProductInput(String id) {}

  public record DeleteProductPayload(java.util.UUID deletedProductId) {}

  public record ProductFilter(String slug, String fleetId, String namePrefix) {}

  @MutationMapping
  public UpdateProductPayload updateProduct(@Argument UpdateProductInput input) {
    return new UpdateProductPayload(service.rename(input.id(), input.name()));
  }

  @MutationMapping
  public DeleteProductPayload deleteProduct(@Argument DeleteProductInput input) {
    return new DeleteProductPayload(service.delete(input.id()));
  }

  @QueryMapping
  public Product product(@Argument String id) {
    return service.find(id).orElse(null);
  }

  @MutationMapping
  public CreateProductPayload createProduct(@Argument CreateProductInput input) {
    return new CreateProductPayload(service.create(input.name(), input.slug()));
  }

  /** The organization is the one the {@code login} root resolved, so this list is scoped. */
  @SchemaMapping(typeName = "Login")
  public Page<Product> products(
      Login login,
      @Argument ProductFilter filter,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    Window window = Pagination.fromSize(from, size);
    var order = ProductService.order(sort);
    Condition condition =
        filter == null
            ? DSL.noCondition()
            : service.filter(filter.slug(), filter.fleetId(), filter.namePrefix());
    UUID organizationId = login.organization().id();
    return Page.of(
        window.offset(),
        products.count(organizationId, condition),
        products.page(organizationId, condition, window.offset(), window.limit(), order));
  }
}
