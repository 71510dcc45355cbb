package dev.firmament.api.device;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.firmware.Firmware;
import dev.firmament.api.firmware.FirmwareRepository;
import dev.firmament.api.product.Product;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.dataloader.DataLoader;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

/**
 * Fleet compliance per product ({@code Product.compliance}): which versions the devices report, how
 * many are behind the newest firmware, and which ones failed their last update. Every count is
 * grouped in PostgreSQL.
 */
@Controller
public class ComplianceController {
  private static final String FAILED_LAST_UPDATE = "failedLastUpdate";

  private final DeviceRepository devices;
  private final FirmwareRepository firmware;
  private final TenantResolver tenants;

  public ComplianceController(
      DeviceRepository devices,
      FirmwareRepository firmware,
      TenantResolver tenants,
      BatchLoaderRegistry loaders) {
    this.devices = devices;
    this.firmware = firmware;
    this.tenants = tenants;
    loaders
        .<FailedKey, Page<Device>>forName(FAILED_LAST_UPDATE)
        .registerMappedBatchLoader((keys, env) -> Mono.fromCallable(() -> loadFailed(keys)));
  }

  /** One page of one product's devices that failed their last update. */
  record FailedKey(UUID organizationId, UUID productId, int offset, int limit) {}

  @BatchMapping(typeName = "Product", field = "compliance")
  public Map<Product, ProductCompliance> compliance(List<Product> sources) {
    UUID organizationId = tenants.organizationId();
    List<UUID> productIds = sources.stream().map(Product::id).toList();
    Map<UUID, List<VersionCount>> versions = devices.versionCounts(organizationId, productIds);
    Map<UUID, Firmware> latest = firmware.latestValid(organizationId, productIds);
    return mapEach(
        sources,
        p -> {
          Firmware newest = latest.get(p.id());
          return ProductCompliance.of(
              p.id(),
              versions.getOrDefault(p.id(), List.of()),
              newest == null ? null : new FirmwareVersion(newest.version(), newest.title()));
        });
  }

  @SchemaMapping(typeName = "ProductCompliance", field = "failedLastUpdate")
  public CompletableFuture<Page<Device>> failedLastUpdate(
      ProductCompliance compliance,
      @Argument Integer from,
      @Argument Integer size,
      DataFetchingEnvironment env) {
    Window window = Pagination.fromSize(from, size);
    DataLoader<FailedKey, Page<Device>> loader = env.getDataLoader(FAILED_LAST_UPDATE);
    return loader.load(
        new FailedKey(
            tenants.organizationId(), compliance.productId(), window.offset(), window.limit()));
  }

  /** Keys that share a window share one count and one page query. */
  private Map<FailedKey, Page<Device>> loadFailed(Set<FailedKey> keys) {
    record Batch(UUID organizationId, int offset, int limit) {}
    Map<Batch, Set<UUID>> batches =
        keys.stream()
            .collect(
                Collectors.groupingBy(
                    k -> new Batch(k.organizationId(), k.offset(), k.limit()),
                    Collectors.mapping(FailedKey::productId, Collectors.toSet())));
    Map<FailedKey, Page<Device>> result = new HashMap<>();
    batches.forEach(
        (batch, productIds) -> {
          Map<UUID, Integer> totals =
              devices.countFailedLastUpdate(batch.organizationId(), productIds);
          Map<UUID, List<Device>> pages =
              devices.pagesFailedLastUpdate(
                  batch.organizationId(), productIds, batch.offset(), batch.limit());
          for (UUID productId : productIds) {
            result.put(
                new FailedKey(batch.organizationId(), productId, batch.offset(), batch.limit()),
                Page.of(batch.offset(), totals.getOrDefault(productId, 0), pages.get(productId)));
          }
        });
    return result;
  }
}
