package dev.firmament.api.ledger;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.device.Device;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.util.LinkedHashMap;
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

/** Ledgers: definitions, instances, and the instances that apply to a device. */
@Controller
public class LedgerController {
  private static final String INSTANCES = "ledgerInstances";

  private final LedgerService ledgers;
  private final TenantResolver tenants;

  public LedgerController(
      LedgerService ledgers, TenantResolver tenants, BatchLoaderRegistry loaders) {
    Paged.register(loaders, INSTANCES, ledgers::instancePages);
    this.ledgers = ledgers;
    this.tenants = tenants;
  }

  @QueryMapping(name = "ledgers")
  public Page<Ledger> ledgers(
      @Argument Integer from, @Argument Integer size, @Argument String sort) {
    return ledgers.page(tenants.organizationId(), Pagination.fromSize(from, size), sort);
  }

  @QueryMapping
  public Ledger ledger(@Argument String name) {
    return ledgers.find(tenants.organizationId(), name);
  }

  /** A page of each ledger's instances: one statement for a whole list of ledgers. */
  @SchemaMapping(typeName = "Ledger", field = "instances")
  public CompletableFuture<Page<LedgerInstance>> instances(
      Ledger ledger,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort,
      DataFetchingEnvironment env) {
    ledgers.checkInstances(sort);
    return Paged.child(
        env, INSTANCES, tenants.organizationId(), UUID.fromString(ledger.id()), from, size, sort);
  }

  @BatchMapping(typeName = "Device", field = "ledgers")
  public Map<Device, List<LedgerInstance>> deviceLedgers(List<Device> devices) {
    Map<String, List<LedgerInstance>> byId = ledgers.ofDevices(tenants.organizationId(), devices);
    Map<Device, List<LedgerInstance>> result = new LinkedHashMap<>();
    for (Device device : devices) {
      result.put(device, byId.getOrDefault(device.id(), List.of()));
    }
    return result;
  }

  public record CreateLedgerInput(
      String name, String description, String scope, String direction) {}

  public record LedgerPayload(Ledger ledger) {}

  public record UpdateLedgerInput(String name, String description) {}

  public record DeleteLedgerInput(String name) {}

  public record DeleteLedgerPayload(String deletedName) {}

  public record SetLedgerInstanceInput(
      String ledgerName, String productId, String deviceId, String data, Long expectedVersion) {}

  public record SetLedgerInstancePayload(LedgerInstance instance) {}

  public record DeleteLedgerInstanceInput(
      String ledgerName, String productId, String deviceId, Long expectedVersion) {}

  public record DeleteLedgerInstancePayload(String ledgerName, long deletedVersion) {}

  @MutationMapping
  public LedgerPayload createLedger(@Argument CreateLedgerInput input) {
    return new LedgerPayload(
        ledgers.create(input.name(), input.description(), input.scope(), input.direction()));
  }

  @MutationMapping
  public LedgerPayload updateLedger(@Argument UpdateLedgerInput input) {
    return new LedgerPayload(ledgers.update(input.name(), input.description()));
  }

  @MutationMapping
  public DeleteLedgerPayload deleteLedger(@Argument DeleteLedgerInput input) {
    return new DeleteLedgerPayload(ledgers.delete(input.name()));
  }

  @MutationMapping
  public SetLedgerInstancePayload setLedgerInstance(@Argument SetLedgerInstanceInput input) {
    return new SetLedgerInstancePayload(
        ledgers.set(
            input.ledgerName(),
            input.productId(),
            input.deviceId(),
            input.data(),
            input.expectedVersion()));
  }

  @MutationMapping
  public DeleteLedgerInstancePayload deleteLedgerInstance(
      @Argument DeleteLedgerInstanceInput input) {
    return new DeleteLedgerInstancePayload(
        input.ledgerName(),
        ledgers.deleteInstance(
            input.ledgerName(), input.productId(), input.deviceId(), input.expectedVersion()));
  }
}
