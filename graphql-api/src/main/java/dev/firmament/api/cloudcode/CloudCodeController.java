package dev.firmament.api.cloudcode;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.event.EventStreams;
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

/** Cloud code: {@code Query.cloudCodes}, {@code cloudCode} and their mutations. */
@Controller
public class CloudCodeController {
  private static final String RUNS = "cloudCodeRuns";

  private final CloudCodes codes;
  private final TenantResolver tenants;

  public CloudCodeController(
      CloudCodes codes, TenantResolver tenants, BatchLoaderRegistry loaders) {
    Paged.register(loaders, RUNS, codes::runPages);
    this.codes = codes;
    this.tenants = tenants;
  }

  @QueryMapping
  public Page<CloudCode> cloudCodes(@Argument Integer from, @Argument Integer size) {
    return codes.page(tenants.organizationId(), Pagination.fromSize(from, size));
  }

  @QueryMapping
  public CloudCode cloudCode(@Argument String id) {
    return codes.find(tenants.organizationId(), id);
  }

  /** Each cloud code's versions: one statement for a whole list of cloud codes. */
  @BatchMapping(typeName = "CloudCode", field = "versions")
  public Map<CloudCode, List<CloudCode.Version>> versions(List<CloudCode> codesShown) {
    Map<String, List<CloudCode.Version>> byId =
        codes.versions(tenants.organizationId(), ids(codesShown));
    return mapEach(codesShown, c -> byId.get(c.id()));
  }

  /** Each cloud code's functions: one statement for a whole list of cloud codes. */
  @BatchMapping(typeName = "CloudCode", field = "functions")
  public Map<CloudCode, List<CloudCode.Function>> functions(List<CloudCode> codesShown) {
    Map<String, List<CloudCode.Function>> byId =
        codes.functions(tenants.organizationId(), ids(codesShown));
    return mapEach(codesShown, c -> byId.get(c.id()));
  }

  private static List<String> ids(List<CloudCode> codesShown) {
    return codesShown.stream().map(CloudCode::id).distinct().toList();
  }

  /** Each function's device-call allowance: one statement for a whole list of functions. */
  @BatchMapping(typeName = "CloudCodeFunction", field = "deviceCalls")
  public Map<CloudCode.Function, CloudCode.DeviceCalls> deviceCalls(
      List<CloudCode.Function> functions) {
    Map<String, CloudCode.DeviceCalls> byId =
        codes.deviceCalls(tenants.organizationId(), functions);
    return mapEach(functions, f -> byId.get(f.id()));
  }

  /** A page of each function's runs: one statement for a whole list of functions. */
  @SchemaMapping(typeName = "CloudCodeFunction", field = "runs")
  public CompletableFuture<Page<CloudCode.Run>> runs(
      CloudCode.Function function,
      @Argument Integer from,
      @Argument Integer size,
      DataFetchingEnvironment env) {
    return Paged.child(
        env, RUNS, tenants.organizationId(), UUID.fromString(function.id()), from, size, null);
  }

  public record DeployCloudCodeInput(String name, String module) {}

  public record DeployCloudCodePayload(CloudCode cloudCode) {}

  public record CreateCloudCodeFunctionInput(
      String cloudCodeId,
      String name,
      String handler,
      String trigger,
      EventStreams.StreamFilter filter,
      Integer everySeconds,
      List<String> httpTargets,
      CloudCodes.DeviceCallsInput deviceCalls) {}

  public record CloudCodeFunctionPayload(CloudCode.Function function) {}

  public record SetCloudCodeFunctionEnabledInput(String id, boolean enabled) {}

  public record RunCloudCodeFunctionInput(String id, String event) {}

  public record RunCloudCodeFunctionPayload(CloudCode.Run run) {}

  public record DeleteInput(String id) {}

  public record DeletePayload(String deletedId) {}

  @MutationMapping
  public DeployCloudCodePayload deployCloudCode(@Argument DeployCloudCodeInput input) {
    return new DeployCloudCodePayload(codes.deploy(input.name(), input.module()));
  }

  @MutationMapping
  public CloudCodeFunctionPayload createCloudCodeFunction(
      @Argument CreateCloudCodeFunctionInput input) {
    return new CloudCodeFunctionPayload(
        codes.createFunction(
            input.cloudCodeId(),
            input.name(),
            input.handler(),
            input.trigger(),
            input.filter(),
            input.everySeconds(),
            input.httpTargets(),
            input.deviceCalls()));
  }

  @MutationMapping
  public CloudCodeFunctionPayload setCloudCodeFunctionEnabled(
      @Argument SetCloudCodeFunctionEnabledInput input) {
    return new CloudCodeFunctionPayload(codes.setEnabled(input.id(), input.enabled()));
  }

  @MutationMapping
  public RunCloudCodeFunctionPayload runCloudCodeFunction(
      @Argument RunCloudCodeFunctionInput input) {
    return new RunCloudCodeFunctionPayload(codes.runNow(input.id(), input.event()));
  }

  @MutationMapping
  public DeletePayload deleteCloudCodeFunction(@Argument DeleteInput input) {
    return new DeletePayload(codes.deleteFunction(input.id()));
  }

  @MutationMapping
  public DeletePayload deleteCloudCode(@Argument DeleteInput input) {
    return new DeletePayload(codes.delete(input.id()));
  }
}
