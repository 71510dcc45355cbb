package dev.firmament.api.product;

import static dev.firmament.sql.generated.Tables.PRODUCTS;

import dev.firmament.sql.generated.tables.records.ProductsRecord;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/** Products of one organization; every method takes the organization it is scoped to. */
@Repository
public class ProductRepository {
  private final DSLContext dsl;

  public ProductRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  public Optional<Product> findById(UUID organizationId, UUID id) {
    return dsl.selectFrom(PRODUCTS)
        .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.ID.eq(id)))
        .fetchOptional(ProductRepository::toProduct);
  }

  public List<Product> findByIds(UUID organizationId, Collection<UUID> ids) {
    return dsl.selectFrom(PRODUCTS)
        .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.ID.in(ids)))
        .fetch(ProductRepository::toProduct);
  }

  public List<Product> findAll(UUID organizationId) {
    return dsl.selectFrom(PRODUCTS)
        .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId))
        .orderBy(PRODUCTS.NAME, PRODUCTS.ID)
        .fetch(ProductRepository::toProduct);
  }

  public boolean slugExists(UUID organizationId, String slug) {
    return dsl.fetchExists(
        PRODUCTS, PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.SLUG.eq(slug)));
  }

  public Product insert(UUID organizationId, String slug, String name) {
    return dsl.insertInto(PRODUCTS)
        .set(PRODUCTS.ID, UUID.randomUUID())
        .set(PRODUCTS.ORGANIZATION_ID, organizationId)
        .set(PRODUCTS.SLUG, slug)
        .set(PRODUCTS.NAME, name)
        .returning()
        .fetchSingle(ProductRepository::toProduct);
  }

  private static Product toProduct(ProductsRecord r) {
    return new Product(r.getId(), r.getSlug(), r.getName(), r.getCreatedAt(), r.getFleetId());
  }
}
