package dev.firmament.api.cloudcode;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.event.EventStreams;
import dev.firmament.api.tenant.TenantResolver;
import java.util.List;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/** Cloud code: {@code Query.cloudCodes}, {@code cloudCode} and their mutations. */
@Controller
public class CloudCodeController {
  private final CloudCodes codes;
  private final TenantResolver tenants;

  public CloudCodeController(CloudCodes codes, TenantResolver tenants) {
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

  @SchemaMapping(typeName = "CloudCode", field = "versions")
  public List<CloudCode.Version> versions(CloudCode code) {
    return codes.versions(code.id());
  }

  @SchemaMapping(typeName = "CloudCode", field = "functions")
  public List<CloudCode.Function> functions(CloudCode code) {
    return codes.functions(code.id());
  }

  @SchemaMapping(typeName = "CloudCodeFunction", field = "deviceCalls")
  public CloudCode.DeviceCalls deviceCalls(CloudCode.Function function) {
    return codes.deviceCalls(function);
  }

  @SchemaMapping(typeName = "CloudCodeFunction", field = "runs")
  public Page<CloudCode.Run> runs(
      CloudCode.Function function, @Argument Integer from, @Argument Integer size) {
    return codes.runs(function.id(), Pagination.fromSize(from, size));
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
