package dev.firmament.api.product;

import static dev.firmament.sql.generated.Tables.CUSTOMERS;
import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.DEVICE_GROUPS;
import static dev.firmament.sql.generated.Tables.OTA_JOBS;
import static dev.firmament.sql.generated.Tables.PRODUCTS;
import static dev.firmament.sql.generated.Tables.PRODUCT_FIRMWARE;

import dev.firmament.sql.generated.tables.records.ProductsRecord;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.SortField;
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

  public int count(UUID organizationId, Condition filter) {
    return dsl.fetchCount(PRODUCTS, PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(filter));
  }

  public List<Product> page(
      UUID organizationId,
      Condition filter,
      int offset,
      int limit,
      List<? extends SortField<?>> order) {
    if (limit == 0) {
      return List.of();
    }
    return dsl.selectFrom(PRODUCTS)
        .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(filter))
        .orderBy(order)
        .offset(offset)
        .limit(limit)
        .fetch(ProductRepository::toProduct);
  }

  /** Renames a product; empty when the organization has no such product. */
  public Optional<Product> rename(UUID organizationId, UUID id, String name) {
    return dsl.update(PRODUCTS)
        .set(PRODUCTS.NAME, name)
        .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.ID.eq(id)))
        .returning()
        .fetchOptional()
        .map(ProductRepository::toProduct);
  }

  /**
   * Whether anything still hangs on the product: devices, firmware, rollouts, groups, customers.
   */
  public boolean inUse(UUID organizationId, UUID id) {
    return dsl.fetchExists(DEVICES, DEVICES.PRODUCT_ID.eq(id))
        || dsl.fetchExists(PRODUCT_FIRMWARE, PRODUCT_FIRMWARE.PRODUCT_ID.eq(id))
        || dsl.fetchExists(OTA_JOBS, OTA_JOBS.PRODUCT_ID.eq(id))
        || dsl.fetchExists(DEVICE_GROUPS, DEVICE_GROUPS.PRODUCT_ID.eq(id))
        || dsl.fetchExists(CUSTOMERS, CUSTOMERS.PRODUCT_ID.eq(id));
  }

  public boolean delete(UUID organizationId, UUID id) {
    return dsl.deleteFrom(PRODUCTS)
            .where(PRODUCTS.ORGANIZATION_ID.eq(organizationId).and(PRODUCTS.ID.eq(id)))
            .execute()
        > 0;
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
