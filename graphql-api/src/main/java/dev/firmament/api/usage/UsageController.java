package dev.firmament.api.usage;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductRepository;
import dev.firmament.api.tenant.Login;
import dev.firmament.api.tenant.Organization;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/**
 * Data usage and plans: {@code login.usageRecords}, {@code login.subscription} / {@code
 * Organization.subscription} and {@code setSubscription} ({@code SIM.usage} and {@code
 * SIM.dataUsage} are the SIM controller's).
 */
@Controller
public class UsageController {
  private final Usage usage;
  private final Plans plans;
  private final ProductRepository products;
  private final TenantResolver tenants;

  public UsageController(
      Usage usage, Plans plans, ProductRepository products, TenantResolver tenants) {
    this.usage = usage;
    this.plans = plans;
    this.products = products;
    this.tenants = tenants;
  }

  @SchemaMapping(typeName = "Login", field = "usageRecords")
  public Page<UsageRecord> usageRecords(
      Login login,
      @Argument UsageRecord.Filter filter,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return usage.records(login.organization().id(), filter, Pagination.fromSize(from, size), sort);
  }

  @BatchMapping(typeName = "UsageRecord", field = "product")
  public Map<UsageRecord, Product> recordProduct(List<UsageRecord> records) {
    Map<UUID, Product> byId =
        index(
            products.findByIds(
                tenants.organizationId(),
                records.stream().map(r -> UUID.fromString(r.productId())).distinct().toList()),
            Product::id);
    // A deleted product's usage stays; its product is null.
    return mapEach(records, r -> byId.get(UUID.fromString(r.productId())));
  }

  /**
   * The plan and how much of it is used, for one organization. Its fields are read from its methods
   * (graphql-java's property fetching), not mapped with {@code @SchemaMapping}: Spring for GraphQL
   * takes any wiring of a type named {@code Subscription} for the subscription root (here {@code
   * Live}), so the seed's type name cannot be mapped there.
   */
  public record Subscription(UUID organizationId, Plan plan, Plans plans, Usage usage) {
    public int devices() {
      return plans.devices(organizationId);
    }

    /** The {@code dataOperations(period)} field. */
    public long getDataOperations(DataFetchingEnvironment env) {
      return usage.dataOperations(
          organizationId, UsagePeriod.parse(env.getArgument("period"), Usage.currentMonth()));
    }

    public String name() {
      return plan.name();
    }

    public boolean isDefault() {
      return plan.isDefault();
    }

    public Integer deviceLimit() {
      return plan.deviceLimit();
    }

    public Long dataOperationsAllowance() {
      return plan.dataOperationsAllowance();
    }

    public String updatedBy() {
      return plan.updatedBy();
    }

    public java.time.OffsetDateTime updatedAt() {
      return plan.updatedAt();
    }
  }

  @SchemaMapping(typeName = "Login", field = "subscription")
  public Subscription loginSubscription(Login login) {
    return subscriptionOf(login.organization().id());
  }

  @SchemaMapping(typeName = "Organization", field = "subscription")
  public Subscription organizationSubscription(Organization organization) {
    return subscriptionOf(organization.id());
  }

  private Subscription subscriptionOf(UUID organizationId) {
    return new Subscription(organizationId, plans.current(organizationId), plans, usage);
  }

  public record SetSubscriptionInput(
      String name, Integer deviceLimit, Long dataOperationsAllowance) {}

  public record SetSubscriptionPayload(Subscription subscription) {}

  @MutationMapping
  public SetSubscriptionPayload setSubscription(@Argument SetSubscriptionInput input) {
    Plan plan = plans.set(input.name(), input.deviceLimit(), input.dataOperationsAllowance());
    return new SetSubscriptionPayload(
        new Subscription(tenants.organizationId(), plan, plans, usage));
  }
}
