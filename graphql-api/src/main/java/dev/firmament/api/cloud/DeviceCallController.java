package dev.firmament.api.cloud;

import dev.firmament.api.error.ApiException;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherResult;
import graphql.schema.DataFetchingEnvironment;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.stereotype.Controller;

/**
 * {@code callFunction} and {@code variable}, as the seed's {@code CallFunction} and {@code
 * ReadVariable} ask for them. They answer asynchronously (no request thread waits for a device). A
 * call that reached a decision about the device (offline, timed out, refused) answers its data and
 * an error with the code beside it, so that {@code connected} is always there to read.
 */
@Controller
public class DeviceCallController {
  private final DeviceCalls calls;

  public DeviceCallController(DeviceCalls calls) {
    this.calls = calls;
  }

  @MutationMapping
  public CompletableFuture<DataFetcherResult<FunctionCall>> callFunction(
      @Argument String deviceId,
      @Argument String name,
      @Argument String argument,
      DataFetchingEnvironment env) {
    return calls.callFunction(deviceId, name, argument).thenApply(ended -> result(ended, env));
  }

  @MutationMapping
  public CompletableFuture<DataFetcherResult<PinholeEvent>> probeDevice(
      @Argument String deviceId, DataFetchingEnvironment env) {
    return calls.probe(deviceId).thenApply(ended -> result(ended, env));
  }

  @QueryMapping
  public CompletableFuture<DataFetcherResult<VariableRequest>> variable(
      @Argument String deviceId, @Argument String name, DataFetchingEnvironment env) {
    return calls.readVariable(deviceId, name).thenApply(ended -> result(ended, env));
  }

  private static <T> DataFetcherResult<T> result(
      DeviceCalls.Ended<T> ended, DataFetchingEnvironment env) {
    DataFetcherResult.Builder<T> result = DataFetcherResult.<T>newResult().data(ended.value());
    ApiException error = ended.error();
    if (error != null) {
      result.error(
          GraphqlErrorBuilder.newError(env)
              .errorType(error.code().graphQlType())
              .message(error.getMessage())
              .extensions(Map.of("code", error.code().name()))
              .build());
    }
    return result.build();
  }
}
