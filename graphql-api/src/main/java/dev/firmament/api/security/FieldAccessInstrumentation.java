package dev.firmament.api.security;

import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationFieldFetchParameters;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLFieldDefinition;
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
      rule.check(name);
      return dataFetcher.get(environment);
    };
  }
}
