package dev.firmament.api.security;

import dev.firmament.api.error.ErrorCode;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.execution.AbortExecutionException;
import graphql.execution.ExecutionContext;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationExecuteOperationParameters;
import graphql.execution.instrumentation.parameters.InstrumentationExecutionParameters;
import graphql.introspection.Introspection;
import graphql.language.Argument;
import graphql.language.Field;
import graphql.language.FragmentDefinition;
import graphql.language.FragmentSpread;
import graphql.language.InlineFragment;
import graphql.language.IntValue;
import graphql.language.OperationDefinition;
import graphql.language.Selection;
import graphql.language.SelectionSet;
import graphql.language.TypeName;
import graphql.language.VariableReference;
import graphql.schema.GraphQLArgument;
import graphql.schema.GraphQLCompositeType;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLFieldsContainer;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLSchema;
import graphql.schema.GraphQLTypeUtil;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Refuses a GraphQL document that is too large, too deep, too aliased or too costly before any of
 * it runs, so that one request cannot make the API read a million devices. The size is checked
 * before parsing; depth, aliases and cost in one walk of the operation after validation, with
 * fragments expanded and variables applied, before the first data fetcher.
 *
 * <p>The cost counts every field once, times the page sizes of the paginated fields it is selected
 * under: a field with a list-size argument ({@code size}, {@code perPage}, {@code first}, {@code
 * last}, {@code limit}) multiplies everything below it by that argument's value (its schema default
 * when absent, else {@code defaultPageSize}). So {@code login { devices(size: 1000) { items { id }
 * } } } costs 1 + 1 + 1000 × 2. Lists without a size argument (an organization's products, members,
 * tokens) count once: what they hold is bounded by what the organization owns, not by the caller.
 *
 * <p>Introspection ({@code __schema}, {@code __type}) is not counted: GraphiQL's own introspection
 * query is deeper than any query of our schema needs, and graphql-java's good-faith introspection
 * check already bounds its depth and breadth.
 */
@Component
@ConditionalOnProperty(name = "firmament.api.limits.enabled", matchIfMissing = true)
public class QueryLimits extends SimplePerformantInstrumentation {
  static final Set<String> PAGE_SIZE_ARGUMENTS =
      Set.of("size", "perPage", "first", "last", "limit");

  /** The limits, as named in the error's {@code limit} extension. */
  public enum Limit {
    DOCUMENT_SIZE("documentSize", "document size", "characters"),
    DEPTH("depth", "depth", "levels"),
    ALIASES("aliases", "number of aliases", "aliases"),
    COST("cost", "cost", "");

    private final String extension;
    private final String name;
    private final String unit;

    Limit(String extension, String name, String unit) {
      this.extension = extension;
      this.name = name;
      this.unit = unit;
    }

    public String extension() {
      return extension;
    }

    String describe(long max, long actual) {
      String suffix = unit.isEmpty() ? "" : " " + unit;
      return "query refused: its "
          + name
          + " ("
          + actual
          + suffix
          + ") exceeds the maximum of "
          + max
          + suffix
          + "; ask for fewer fields, smaller pages or fewer aliases";
    }
  }

  private final QueryLimitsProperties limits;

  /**
   * The refusal as the request's only error. graphql-java answers an {@link
   * AbortExecutionException} with the errors it carries, so this one carries the typed code and the
   * figures a client needs to shrink its query: which limit, its maximum and the document's value.
   */
  static AbortExecutionException refusal(Limit limit, long max, long actual) {
    Map<String, Object> extensions = new LinkedHashMap<>();
    extensions.put("code", ErrorCode.QUERY_TOO_COMPLEX.name());
    extensions.put("limit", limit.extension());
    extensions.put("max", max);
    extensions.put("actual", actual);
    GraphQLError error =
        GraphqlErrorBuilder.newError()
            .errorType(ErrorCode.QUERY_TOO_COMPLEX.graphQlType())
            .message(limit.describe(max, actual))
            .extensions(extensions)
            .build();
    return new AbortExecutionException(List.of(error));
  }

  public QueryLimits(QueryLimitsProperties limits) {
    this.limits = limits;
  }

  @Override
  public InstrumentationContext<ExecutionResult> beginExecution(
      InstrumentationExecutionParameters parameters, InstrumentationState state) {
    String document = parameters.getQuery();
    if (document != null && document.length() > limits.maxDocumentSize()) {
      throw refusal(Limit.DOCUMENT_SIZE, limits.maxDocumentSize(), document.length());
    }
    return super.beginExecution(parameters, state);
  }

  @Override
  public InstrumentationContext<ExecutionResult> beginExecuteOperation(
      InstrumentationExecuteOperationParameters parameters, InstrumentationState state) {
    new Measure(parameters.getExecutionContext()).operation();
    return super.beginExecuteOperation(parameters, state);
  }

  /**
   * One walk of the operation, fragments expanded where they are spread. A field's weight is the
   * product of the page sizes above it and the cost is the sum of the weights, so the walk stops at
   * the first field that breaks a limit; as every field adds at least 1, a hostile document is
   * never expanded beyond {@code maxCost} fields. Validation has already refused fragment cycles.
   */
  private final class Measure {
    private final ExecutionContext context;
    private final Map<String, Object> variables;
    private long cost;
    private int aliases;

    Measure(ExecutionContext context) {
      this.context = context;
      this.variables = context.getCoercedVariables().toMap();
    }

    void operation() {
      OperationDefinition operation = context.getOperationDefinition();
      GraphQLSchema schema = context.getGraphQLSchema();
      GraphQLObjectType root =
          switch (operation.getOperation()) {
            case QUERY -> schema.getQueryType();
            case MUTATION -> schema.getMutationType();
            case SUBSCRIPTION -> schema.getSubscriptionType();
          };
      selections(operation.getSelectionSet(), root, 1, 1);
    }

    private void selections(
        SelectionSet selectionSet, GraphQLCompositeType type, int depth, long weight) {
      for (Selection<?> selection : selectionSet.getSelections()) {
        switch (selection) {
          case Field field -> field(field, type, depth, weight);
          case InlineFragment inline ->
              selections(
                  inline.getSelectionSet(),
                  narrowed(inline.getTypeCondition(), type),
                  depth,
                  weight);
          case FragmentSpread spread -> {
            FragmentDefinition fragment = context.getFragment(spread.getName());
            selections(
                fragment.getSelectionSet(),
                narrowed(fragment.getTypeCondition(), type),
                depth,
                weight);
          }
          default -> throw new IllegalStateException("unknown selection " + selection);
        }
      }
    }

    private void field(Field field, GraphQLCompositeType parent, int depth, long weight) {
      String name = field.getName();
      if (name.equals(Introspection.SchemaMetaFieldDef.getName())
          || name.equals(Introspection.TypeMetaFieldDef.getName())) {
        return;
      }
      if (depth > limits.maxDepth()) {
        throw refusal(Limit.DEPTH, limits.maxDepth(), depth);
      }
      if (field.getAlias() != null && ++aliases > limits.maxAliases()) {
        throw refusal(Limit.ALIASES, limits.maxAliases(), aliases);
      }
      cost += weight;
      if (cost > limits.maxCost()) {
        throw refusal(Limit.COST, limits.maxCost(), cost);
      }
      if (field.getSelectionSet() == null || !(parent instanceof GraphQLFieldsContainer fields)) {
        return;
      }
      GraphQLFieldDefinition definition = fields.getFieldDefinition(name);
      if (definition == null) {
        return;
      }
      // The weight is at most maxCost here and a page size an int, so the product fits a long.
      selections(
          field.getSelectionSet(),
          (GraphQLCompositeType) GraphQLTypeUtil.unwrapAll(definition.getType()),
          depth + 1,
          weight * pageSize(field, definition));
    }

    /** The page size a field's list-size argument asks for, or 1 for a field without one. */
    private long pageSize(Field field, GraphQLFieldDefinition definition) {
      for (GraphQLArgument argument : definition.getArguments()) {
        if (!PAGE_SIZE_ARGUMENTS.contains(argument.getName())) {
          continue;
        }
        Argument given =
            field.getArguments().stream()
                .filter(a -> a.getName().equals(argument.getName()))
                .findFirst()
                .orElse(null);
        Object value =
            given != null ? given.getValue() : argument.getArgumentDefaultValue().getValue();
        if (value instanceof VariableReference variable) {
          value = variables.get(variable.getName());
        }
        if (value instanceof IntValue literal) {
          value = literal.getValue();
        }
        // A page of zero or fewer items is refused by the field itself; it still costs a page.
        return value instanceof Number n ? Math.max(1, n.longValue()) : limits.defaultPageSize();
      }
      return 1;
    }

    private GraphQLCompositeType narrowed(TypeName condition, GraphQLCompositeType type) {
      return condition == null
          ? type
          : (GraphQLCompositeType) context.getGraphQLSchema().getType(condition.getName());
    }
  }
}
