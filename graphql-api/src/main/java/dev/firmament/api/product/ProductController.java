package dev.firmament.api.product;

import dev.firmament.api.tenant.Login;
import java.util.List;
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
  public List<Product> products(Login login) {
    return products.findAll(login.organization().id());
  }
}
