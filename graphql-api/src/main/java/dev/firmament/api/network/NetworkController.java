package dev.firmament.api.network;

import static dev.firmament.api.BatchResults.index;
import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.device.Device;
import dev.firmament.api.device.DeviceRepository;
import dev.firmament.api.tenant.Login;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;

/**
 * Private networks: {@code login.networks}, {@code network}, {@code Device.network}, a network's
 * members and configurations, and their mutations.
 */
@Controller
public class NetworkController {
  private static final String CONFIGURATIONS = "networkConfigurations";
  private static final String MEMBERS = "networkMembers";
  private static final String ANSWERS = "networkMemberAnswers";

  private final Networks networks;
  private final DeviceRepository devices;
  private final TenantResolver tenants;

  public NetworkController(
      Networks networks,
      DeviceRepository devices,
      TenantResolver tenants,
      BatchLoaderRegistry loaders) {
    Paged.register(loaders, CONFIGURATIONS, networks::configurationPages);
    Paged.register(loaders, MEMBERS, networks::memberPages);
    Paged.register(loaders, ANSWERS, networks::acknowledgementPages);
    this.networks = networks;
    this.devices = devices;
    this.tenants = tenants;
  }

  @SchemaMapping(typeName = "Login", field = "networks")
  public Page<Network> networks(
      Login login,
      @Argument Network.Filter filter,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return networks.page(login.organization().id(), filter, Pagination.fromSize(from, size), sort);
  }

  @QueryMapping
  public Network network(@Argument String id) {
    return networks.find(tenants.organizationId(), id);
  }

  @BatchMapping(typeName = "Network", field = "configuration")
  public Map<Network, NetworkConfiguration> configuration(List<Network> sources) {
    Map<String, NetworkConfiguration> latest = networks.latest(sources);
    return mapEach(sources, n -> latest.get(n.id()));
  }

  /** A page of each network's configurations, one statement for a whole list of networks. */
  @SchemaMapping(typeName = "Network", field = "configurations")
  public CompletableFuture<Page<NetworkConfiguration>> configurations(
      Network network,
      @Argument Integer from,
      @Argument Integer size,
      DataFetchingEnvironment env) {
    return Paged.child(
        env,
        CONFIGURATIONS,
        tenants.organizationId(),
        UUID.fromString(network.id()),
        from,
        size,
        null);
  }

  /**
   * A page of each network's members, one statement per distinct filter for a whole list of
   * networks; a bad filter or sort fails the field at once.
   */
  @SchemaMapping(typeName = "Network", field = "devices")
  public CompletableFuture<Page<NetworkDevice>> members(
      Network network,
      @Argument NetworkDevice.Filter filter,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort,
      DataFetchingEnvironment env) {
    return Paged.child(
        env,
        MEMBERS,
        tenants.organizationId(),
        networks.memberList(network.id(), filter, sort),
        from,
        size,
        sort);
  }

  @BatchMapping(typeName = "NetworkDevice", field = "device")
  public Map<NetworkDevice, Device> memberDevice(List<NetworkDevice> sources) {
    Map<String, Device> byId =
        index(
            devices.findByIds(
                tenants.organizationId(),
                sources.stream().map(NetworkDevice::deviceId).distinct().toList()),
            Device::id);
    return mapEach(sources, m -> byId.get(m.deviceId()));
  }

  @BatchMapping(typeName = "NetworkDevice", field = "network")
  public Map<NetworkDevice, Network> memberNetwork(List<NetworkDevice> sources) {
    Map<String, Network> byId =
        networks.byIds(
            tenants.organizationId(),
            sources.stream().map(NetworkDevice::networkId).distinct().toList());
    return mapEach(sources, m -> byId.get(m.networkId()));
  }

  /** A page of each member's answers, one statement for a whole list of members. */
  @SchemaMapping(typeName = "NetworkDevice", field = "acknowledgements")
  public CompletableFuture<Page<NetworkDevice.Acknowledgement>> acknowledgements(
      NetworkDevice member,
      @Argument Integer from,
      @Argument Integer size,
      DataFetchingEnvironment env) {
    return Paged.child(
        env, ANSWERS, tenants.organizationId(), Networks.memberKey(member), from, size, null);
  }

  @BatchMapping(typeName = "Device", field = "network")
  public Map<Device, NetworkDevice> deviceNetwork(List<Device> sources) {
    Map<String, NetworkDevice> held =
        networks.ofDevices(tenants.organizationId(), sources.stream().map(Device::id).toList());
    return mapEach(sources, d -> held.get(d.id()));
  }

  public record CreateNetworkInput(String name, String kind, String description, String settings) {}

  public record UpdateNetworkInput(String id, String name, String description) {}

  public record NetworkInput(String id) {}

  public record NetworkDeviceInput(String id, String deviceId, String role) {}

  public record PublishNetworkConfigurationInput(
      String id, String settings, Long expectedVersion) {}

  public record NetworkPayload(Network network) {}

  public record DeleteNetworkPayload(String deletedId) {}

  public record NetworkDevicePayload(NetworkDevice member) {}

  public record NetworkConfigurationPayload(NetworkConfiguration configuration) {}

  @MutationMapping
  public NetworkPayload createNetwork(@Argument CreateNetworkInput input) {
    return new NetworkPayload(
        networks.create(input.name(), input.kind(), input.description(), input.settings()));
  }

  @MutationMapping
  public NetworkPayload updateNetwork(@Argument UpdateNetworkInput input) {
    return new NetworkPayload(networks.update(input.id(), input.name(), input.description()));
  }

  @MutationMapping
  public DeleteNetworkPayload deleteNetwork(@Argument NetworkInput input) {
    return new DeleteNetworkPayload(networks.delete(input.id()));
  }

  @MutationMapping
  public NetworkDevicePayload addNetworkDevice(@Argument NetworkDeviceInput input) {
    return new NetworkDevicePayload(networks.addDevice(input.id(), input.deviceId(), input.role()));
  }

  @MutationMapping
  public NetworkDevicePayload removeNetworkDevice(@Argument NetworkDeviceInput input) {
    return new NetworkDevicePayload(networks.removeDevice(input.id(), input.deviceId()));
  }

  @MutationMapping
  public NetworkConfigurationPayload publishNetworkConfiguration(
      @Argument PublishNetworkConfigurationInput input) {
    return new NetworkConfigurationPayload(
        networks.publish(input.id(), input.settings(), input.expectedVersion()));
  }
}
