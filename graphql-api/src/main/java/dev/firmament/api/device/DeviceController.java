package dev.firmament.api.device;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Paged.ChildPage;
import dev.firmament.api.Pagination;
import dev.firmament.api.Pagination.Window;
import dev.firmament.api.firmware.FirmwareRepository;
import dev.firmament.api.firmware.FirmwareRepository.ProductVersion;
import dev.firmament.api.product.Product;
import dev.firmament.api.product.ProductRepository;
import dev.firmament.api.tenant.Login;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.dataloader.DataLoader;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

/**
 * Devices and device groups. Children without arguments are {@code @BatchMapping}s; paginated
 * children ({@code Product.devices}, {@code DeviceGroup.devices}) go through data loaders keyed by
 * parent and page, because a batch mapping cannot see field arguments.
 */
@Controller
public class DeviceController {
  private static final String PRODUCT_DEVICES = "productDevices";
  private static final String GROUP_DEVICES = "groupDevices";
  private static final String PRODUCT_GROUPS = "productGroups";

  private final DeviceService service;
  private final DeviceRepository devices;
  private final ProductRepository products;
  private final FirmwareRepository firmware;
  private final TenantResolver tenants;

  public DeviceController(
      DeviceService service,
      DeviceRepository devices,
      ProductRepository products,
      FirmwareRepository firmware,
      TenantResolver tenants,
      BatchLoaderRegistry loaders) {
    this.service = service;
    this.devices = devices;
    this.products = products;
    this.firmware = firmware;
    this.tenants = tenants;
    loaders
        .<PageKey, List<Device>>forName(PRODUCT_DEVICES)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> loadPages(keys, devices::pagesByProduct)));
    loaders
        .<PageKey, List<Device>>forName(GROUP_DEVICES)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> loadPages(keys, devices::pagesByGroup)));
    loaders
        .<ChildPage<UUID>, Page<DeviceGroup>>forName(PRODUCT_GROUPS)
        .registerMappedBatchLoader(
            (keys, env) ->
                Mono.fromCallable(() -> Paged.batch(keys, devices::groupPagesOfProducts)));
  }

  /** One page of one parent's devices, with the organization the request resolved. */
  record PageKey(UUID organizationId, UUID parentId, int offset, int limit) {}

  /** The shape of the repository's per-parent page queries. */
  interface PageQuery {
    Map<UUID, List<Device>> load(UUID organizationId, Set<UUID> parentIds, int offset, int limit);
  }

  /** Keys that share a page window share one query. */
  private static Map<PageKey, List<Device>> loadPages(Set<PageKey> keys, PageQuery query) {
    record Batch(UUID organizationId, int offset, int limit) {}
    Map<Batch, Set<UUID>> batches =
        keys.stream()
            .collect(
                Collectors.groupingBy(
                    k -> new Batch(k.organizationId(), k.offset(), k.limit()),
                    Collectors.mapping(PageKey::parentId, Collectors.toSet())));
    Map<PageKey, List<Device>> result = new HashMap<>();
    batches.forEach(
        (batch, parents) ->
            query
                .load(batch.organizationId(), parents, batch.offset(), batch.limit())
                .forEach(
                    (parent, page) ->
                        result.put(
                            new PageKey(
                                batch.organizationId(), parent, batch.offset(), batch.limit()),
                            page)));
    return result;
  }

  public record DeviceRegistrationInput(
      String id, String name, String firmwareVersion, String hardwareId, String serialNumber) {}

  public record UpdateDeviceInput(
      String id,
      String name,
      String hardwareId,
      String serialNumber,
      String notes,
      List<String> tags) {}

  public record GroupMembershipInput(String groupId, List<String> deviceIds, DeviceFilter filter) {}

  public record GroupMembershipPayload(DeviceGroup deviceGroup, int changed) {}

  public record MoveDevicesInput(List<String> deviceIds, String productId) {}

  public record MoveDevicesPayload(List<Device> devices) {}

  public record UpdateDevicePayload(Device device) {}

  public record RegisterDevicesInput(String productId, List<DeviceRegistrationInput> devices) {}

  public record RegisterDevicesPayload(
      List<Device> devices, List<DeviceService.DeviceCredential> credentials) {}

  public record RotateDeviceCredentialInput(String deviceId) {}

  public record RotateDeviceCredentialPayload(DeviceService.DeviceCredential credential) {}

  public record CreateDeviceGroupInput(String productId, String name, List<String> deviceIds) {}

  public record CreateDeviceGroupPayload(DeviceGroup deviceGroup) {}

  @QueryMapping
  public Device device(@Argument String id) {
    return devices.findById(tenants.organizationId(), id).orElse(null);
  }

  @MutationMapping
  public RegisterDevicesPayload registerDevices(@Argument RegisterDevicesInput input) {
    List<DeviceService.Registration> registrations =
        input.devices() == null
            ? List.of()
            : input.devices().stream()
                .map(
                    d ->
                        new DeviceService.Registration(
                            d.id(),
                            d.name(),
                            d.firmwareVersion(),
                            d.hardwareId(),
                            d.serialNumber()))
                .toList();
    DeviceService.Registered registered = service.register(input.productId(), registrations);
    return new RegisterDevicesPayload(registered.devices(), registered.credentials());
  }

  @MutationMapping
  public UpdateDevicePayload updateDevice(@Argument UpdateDeviceInput input) {
    return new UpdateDevicePayload(
        service.updateDetails(
            input.id(),
            new DeviceRepository.DeviceDetails(
                input.name(),
                input.hardwareId(),
                input.serialNumber(),
                input.notes(),
                input.tags())));
  }

  @MutationMapping
  public GroupMembershipPayload addDevicesToGroup(@Argument GroupMembershipInput input) {
    DeviceService.MembershipChange change =
        service.addToGroup(input.groupId(), input.deviceIds(), input.filter());
    return new GroupMembershipPayload(change.group(), change.changed());
  }

  @MutationMapping
  public GroupMembershipPayload removeDevicesFromGroup(@Argument GroupMembershipInput input) {
    DeviceService.MembershipChange change =
        service.removeFromGroup(input.groupId(), input.deviceIds(), input.filter());
    return new GroupMembershipPayload(change.group(), change.changed());
  }

  @MutationMapping
  public MoveDevicesPayload moveDevices(@Argument MoveDevicesInput input) {
    return new MoveDevicesPayload(service.move(input.deviceIds(), input.productId()));
  }

  @MutationMapping
  public RotateDeviceCredentialPayload rotateDeviceCredential(
      @Argument RotateDeviceCredentialInput input) {
    return new RotateDeviceCredentialPayload(service.rotateCredential(input.deviceId()));
  }

  @MutationMapping
  public CreateDeviceGroupPayload createDeviceGroup(@Argument CreateDeviceGroupInput input) {
    return new CreateDeviceGroupPayload(
        service.createGroup(input.productId(), input.name(), input.deviceIds()));
  }

  @SchemaMapping(typeName = "Login")
  public Page<Device> devices(
      Login login,
      @Argument DeviceFilter filter,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    Window window = Pagination.fromSize(from, size);
    var order = DeviceSort.parse(sort);
    DeviceFilters.Checked checked = service.checkFilter(filter);
    UUID organizationId = login.organization().id();
    Optional<Page<Device>> indexed = devices.indexedPage(organizationId, checked, sort, window);
    if (indexed.isPresent()) {
      return indexed.get();
    }
    int total = devices.count(organizationId, checked);
    List<Device> items =
        devices.page(organizationId, checked, window.offset(), window.limit(), order);
    return Page.of(window.offset(), total, items);
  }

  @SchemaMapping(typeName = "Product", field = "devices")
  public CompletableFuture<List<Device>> productDevices(
      Product product,
      @Argument Integer page,
      @Argument Integer perPage,
      DataFetchingEnvironment env) {
    Window window = Pagination.pagePerPage(page, perPage);
    DataLoader<PageKey, List<Device>> loader = env.getDataLoader(PRODUCT_DEVICES);
    return loader.load(
        new PageKey(tenants.organizationId(), product.id(), window.offset(), window.limit()));
  }

  @SchemaMapping(typeName = "DeviceGroup", field = "devices")
  public CompletableFuture<List<Device>> groupDevices(
      DeviceGroup group,
      @Argument Integer page,
      @Argument Integer perPage,
      DataFetchingEnvironment env) {
    Window window = Pagination.pagePerPage(page, perPage);
    DataLoader<PageKey, List<Device>> loader = env.getDataLoader(GROUP_DEVICES);
    return loader.load(
        new PageKey(tenants.organizationId(), group.id(), window.offset(), window.limit()));
  }

  @BatchMapping(typeName = "Device", field = "product")
  public Map<Device, Product> deviceProduct(List<Device> sources) {
    Map<UUID, Product> byId =
        index(
            products.findByIds(
                tenants.organizationId(),
                sources.stream().map(Device::productId).collect(Collectors.toSet())),
            Product::id);
    return mapEach(sources, d -> byId.get(d.productId()));
  }

  @BatchMapping(typeName = "Device", field = "groups")
  public Map<Device, List<DeviceGroup>> deviceGroups(List<Device> sources) {
    Map<String, List<DeviceGroup>> groups =
        devices.groupsOfDevices(
            tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> groups.getOrDefault(d.id(), List.of()));
  }

  @BatchMapping(typeName = "Device")
  public Map<Device, DeviceGroup> deviceGroup(List<Device> sources) {
    Map<String, DeviceGroup> groups =
        devices.firstGroupOfDevices(
            tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> groups.get(d.id()));
  }

  @BatchMapping(typeName = "Device")
  public Map<Device, FirmwareVersion> firmwareVersion(List<Device> sources) {
    List<ProductVersion> reported =
        sources.stream()
            .filter(d -> d.currentVersion() != null)
            .map(d -> new ProductVersion(d.productId(), d.currentVersion()))
            .distinct()
            .toList();
    Map<ProductVersion, String> titles =
        reported.isEmpty() ? Map.of() : firmware.titles(tenants.organizationId(), reported);
    return mapEach(
        sources,
        d ->
            d.currentVersion() == null
                ? null
                : new FirmwareVersion(
                    d.currentVersion(),
                    titles.get(new ProductVersion(d.productId(), d.currentVersion()))));
  }

  @SchemaMapping(typeName = "Product", field = "groups")
  public CompletableFuture<Page<DeviceGroup>> groups(
      Product product,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort,
      DataFetchingEnvironment env) {
    Window window = Pagination.fromSize(from, size);
    DeviceRepository.groupOrder(sort);
    DataLoader<ChildPage<UUID>, Page<DeviceGroup>> loader = env.getDataLoader(PRODUCT_GROUPS);
    return loader.load(new ChildPage<>(tenants.organizationId(), product.id(), window, sort));
  }

  @BatchMapping(typeName = "DeviceGroup", field = "product")
  public Map<DeviceGroup, Product> groupProduct(List<DeviceGroup> sources) {
    Map<UUID, Product> byId =
        index(
            products.findByIds(
                tenants.organizationId(),
                sources.stream().map(DeviceGroup::productId).collect(Collectors.toSet())),
            Product::id);
    return mapEach(sources, g -> byId.get(g.productId()));
  }
}
