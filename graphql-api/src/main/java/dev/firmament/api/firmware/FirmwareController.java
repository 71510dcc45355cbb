package dev.firmament.api.firmware;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.product.Product;
import dev.firmament.api.tenant.TenantResolver;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.stereotype.Controller;

@Controller
public class FirmwareController {
  private final FirmwareService service;
  private final FirmwareRepository firmware;
  private final TenantResolver tenants;

  public FirmwareController(
      FirmwareService service, FirmwareRepository firmware, TenantResolver tenants) {
    this.service = service;
    this.firmware = firmware;
    this.tenants = tenants;
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

  @BatchMapping(typeName = "Product", field = "firmware")
  public Map<Product, List<Firmware>> productFirmware(List<Product> sources) {
    Map<UUID, List<Firmware>> byProduct =
        firmware
            .ofProducts(tenants.organizationId(), sources.stream().map(Product::id).toList())
            .stream()
            .collect(Collectors.groupingBy(Firmware::productId));
    return mapEach(sources, p -> byProduct.getOrDefault(p.id(), List.of()));
  }
}
