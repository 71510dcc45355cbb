package dev.firmament.api.firmware;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Paged.ChildPage;
import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.product.Product;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.dataloader.DataLoader;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

@Controller
public class FirmwareController {
  private static final String PRODUCT_FIRMWARE = "productFirmware";
  private final FirmwareService service;
  private final FirmwareRepository firmware;
  private final TenantResolver tenants;

  public FirmwareController(
      FirmwareService service,
      FirmwareRepository firmware,
      TenantResolver tenants,
      BatchLoaderRegistry loaders) {
    this.service = service;
    this.firmware = firmware;
    this.tenants = tenants;
    loaders
        .<ChildPage<UUID>, Page<Firmware>>forName(PRODUCT_FIRMWARE)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> Paged.batch(keys, firmware::pagesOfProducts)));
  }

  public record UploadFirmwareInput(
      String productId, String version, String title, String contentBase64) {}

  public record UploadFirmwarePayload(Firmware firmware) {}

  @MutationMapping
  public UploadFirmwarePayload uploadFirmware(@Argument UploadFirmwareInput input) {
    return new UploadFirmwarePayload(
        service.uploadBase64(
            input.productId(), input.version(), input.title(), input.contentBase64()));
  }

  @BatchMapping(typeName = "ProductFirmware", field = "deltas")
  public Map<Firmware, List<FirmwareDelta>> deltas(List<Firmware> sources) {
    Map<UUID, List<FirmwareDelta>> byFirmware =
        firmware.deltasOf(tenants.organizationId(), sources.stream().map(Firmware::id).toList());
    return mapEach(sources, f -> byFirmware.getOrDefault(f.id(), List.of()));
  }

  @SchemaMapping(typeName = "Product", field = "firmware")
  public CompletableFuture<Page<Firmware>> productFirmware(
      Product product,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort,
      DataFetchingEnvironment env) {
    Window window = Pagination.fromSize(from, size);
    FirmwareRepository.firmwareOrder(sort);
    DataLoader<ChildPage<UUID>, Page<Firmware>> loader = env.getDataLoader(PRODUCT_FIRMWARE);
    return loader.load(new ChildPage<>(tenants.organizationId(), product.id(), window, sort));
  }
}
