package dev.firmament.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.fixtures.BatchMappings;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.execution.instrumentation.Instrumentation;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationFieldFetchParameters;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.dataloader.BatchLoader;
import org.dataloader.DataLoaderFactory;
import org.dataloader.DataLoaderRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;

/**
 * A {@code @BatchMapping} field is read from its data loader without its own fetcher; fields with
 * an {@code @access} rule and every other field keep theirs.
 */
class BatchFieldShortcutTest {
  private static final String SDL =
      """
      directive @access(scopes: [String!]! = [], customers: Boolean = false) on FIELD_DEFINITION
      type Query { devices: [Device!]! }
      type Device { id: ID! group: String guarded: String @access(scopes: []) other: String }
      """;

  /** The loaders of {@code group} and of {@code guarded}, which has an access rule. */
  private static final Map<String, Map<String, String>> LOADERS =
      Map.of("Device", Map.of("group", "Device.group", "guarded", "Device.guarded"));

  private final AtomicInteger fetcherCalls = new AtomicInteger();
  private final List<List<String>> batches = new ArrayList<>();

  @Test
  void aBatchFieldIsQueuedOnItsLoaderWithoutItsFetcher() {
    assertEachGroupCameFromOneBatch(
        run(graphQl(new BatchFieldShortcut(LOADERS)), "{ devices { id group } }"));
  }

  @Test
  void anInstrumentationAfterTheShortcutThatCallsItWithAnEnvironmentStillQueuesOnTheLoader() {
    Instrumentation wrapping =
        new SimplePerformantInstrumentation() {
          @Override
          public DataFetcher<?> instrumentDataFetcher(
              DataFetcher<?> fetcher,
              InstrumentationFieldFetchParameters parameters,
              InstrumentationState state) {
            return env -> fetcher.get(env);
          }
        };
    var chain = new ChainedInstrumentation(List.of(new BatchFieldShortcut(LOADERS), wrapping));
    assertEachGroupCameFromOneBatch(run(graphQl(chain), "{ devices { id group } }"));
  }

  @Test
  void fieldsWithAnAccessRuleOrWithoutALoaderKeepTheirFetcher() {
    ExecutionResult result =
        run(graphQl(new BatchFieldShortcut(LOADERS)), "{ devices { guarded other } }");

    assertThat(result.getErrors()).isEmpty();
    assertThat(result.<Map<String, Object>>getData().get("devices"))
        .isEqualTo(
            List.of(
                Map.of("guarded", "fetched guarded", "other", "fetched other"),
                Map.of("guarded", "fetched guarded", "other", "fetched other"),
                Map.of("guarded", "fetched guarded", "other", "fetched other")));
    assertThat(fetcherCalls).hasValue(6);
    assertThat(batches).isEmpty();
  }

  @Test
  void aFieldWhoseLoaderIsNotRegisteredKeepsItsFetcher() {
    var elsewhere = new BatchFieldShortcut(Map.of("Device", Map.of("group", "Device.elsewhere")));
    ExecutionResult result = run(graphQl(elsewhere), "{ devices { group } }");

    assertThat(result.getErrors()).isEmpty();
    assertThat(fetcherCalls).hasValue(3);
    assertThat(batches).isEmpty();
  }

  @Test
  void theControllersBatchMethodsAreFoundByTypeAndField() {
    try (var context = new AnnotationConfigApplicationContext(BatchMappings.class)) {
      assertThat(BatchFieldShortcut.batchFields(context))
          .isEqualTo(
              Map.of(
                  "Device",
                  Map.of("group", "Device.group", "named", "Device.named"),
                  "Product",
                  Map.of("devices", "Product.devices")));
    }
  }

  /** Each device's group came from one batch of the loader, none from the field's fetcher. */
  private void assertEachGroupCameFromOneBatch(ExecutionResult result) {
    assertThat(result.getErrors()).isEmpty();
    assertThat(result.<Map<String, Object>>getData().get("devices"))
        .isEqualTo(
            List.of(
                Map.of("id", "a", "group", "group of a"),
                Map.of("id", "b", "group", "group of b"),
                Map.of("id", "c", "group", "group of c")));
    assertThat(fetcherCalls).hasValue(0);
    assertThat(batches).containsExactly(List.of("a", "b", "c"));
  }

  private GraphQL graphQl(Instrumentation instrumentation) {
    DataFetcher<Object> fetched =
        env -> {
          fetcherCalls.incrementAndGet();
          return "fetched " + env.getField().getName();
        };
    RuntimeWiring wiring =
        RuntimeWiring.newRuntimeWiring()
            .type(
                "Query",
                t ->
                    t.dataFetcher(
                        "devices",
                        env -> List.of(Map.of("id", "a"), Map.of("id", "b"), Map.of("id", "c"))))
            .type(
                "Device",
                t ->
                    t.dataFetcher("group", fetched)
                        .dataFetcher("guarded", fetched)
                        .dataFetcher("other", fetched))
            .build();
    GraphQLSchema schema =
        new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(SDL), wiring);
    return GraphQL.newGraphQL(schema).instrumentation(instrumentation).build();
  }

  private ExecutionResult run(GraphQL graphQl, String query) {
    BatchLoader<Map<String, String>, String> groups =
        keys -> {
          List<String> ids = keys.stream().map(k -> k.get("id")).toList();
          batches.add(ids);
          return CompletableFuture.completedFuture(
              ids.stream().map(id -> "group of " + id).toList());
        };
    DataLoaderRegistry registry = new DataLoaderRegistry();
    registry.register("Device.group", DataLoaderFactory.newDataLoader(groups));
    registry.register("Device.guarded", DataLoaderFactory.newDataLoader(groups));
    return graphQl.execute(
        ExecutionInput.newExecutionInput().query(query).dataLoaderRegistry(registry).build());
  }
}
