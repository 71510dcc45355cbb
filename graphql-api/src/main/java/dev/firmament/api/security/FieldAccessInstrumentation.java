package dev.firmament.api.security;

import dev.firmament.api.caller.Callers;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationFieldFetchParameters;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLFieldDefinition;
import io.micrometer.context.ContextSnapshotFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Checks each field's {@code @access} rule before its data fetcher runs, so a refused field never
 * reaches a service or the database. The services check their scopes again with method security;
 * this layer adds what the schema knows: customers may use only the fields marked for them.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class FieldAccessInstrumentation extends SimplePerformantInstrumentation {
  private static final ContextSnapshotFactory SNAPSHOTS = ContextSnapshotFactory.builder().build();
  private static final FieldAccess NONE = new FieldAccess(java.util.Set.of(), true);
  private final Map<GraphQLFieldDefinition, FieldAccess> rules = new ConcurrentHashMap<>();

  @Override
  public DataFetcher<?> instrumentDataFetcher(
      DataFetcher<?> dataFetcher,
      InstrumentationFieldFetchParameters parameters,
      InstrumentationState state) {
    GraphQLFieldDefinition field = parameters.getEnvironment().getFieldDefinition();
    FieldAccess rule =
        rules.computeIfAbsent(
            field,
            f -> {
              FieldAccess declared = FieldAccess.of(f);
              return declared == null ? NONE : declared;
            });
    if (rule == NONE) {
      return dataFetcher;
    }
    String name = field.getName();
    return environment -> {
      // The caller as the request saw it: over graphql-ws the message's thread holds no security
      // context; the credential authenticated at connection_init travels in the GraphQL context.
      if (Callers.find().isPresent()) {
        rule.check(name);
      } else {
        SNAPSHOTS.captureFrom(environment.getGraphQlContext()).wrap(() -> rule.check(name)).run();
      }
      return dataFetcher.get(environment);
    };
  }
}
