package dev.firmament.api.security;

import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.graphql.execution.GraphQlSource;
import org.springframework.stereotype.Component;

/**
 * Refuses to start a server whose schema has an entry point without an access rule: every field of
 * the schema's query, mutation and subscription roots and of the viewer root Login must carry
 * {@code @access}, so a field added later cannot be open by omission.
 */
@Component
public class AccessRulesCheck implements SmartInitializingSingleton {
  static final String VIEWER_ROOT = "Login";

  private final GraphQlSource source;

  public AccessRulesCheck(GraphQlSource source) {
    this.source = source;
  }

  @Override
  public void afterSingletonsInstantiated() {
    List<String> missing = fieldsWithoutRule(source.schema());
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          "fields without an @access rule: " + String.join(", ", missing));
    }
  }

  /** The entry-point fields (as {@code Type.field}) that declare no access rule. */
  public static List<String> fieldsWithoutRule(GraphQLSchema schema) {
    List<String> missing = new ArrayList<>();
    List<GraphQLObjectType> entries = new ArrayList<>();
    Stream.of(
            schema.getQueryType(),
            schema.getMutationType(),
            schema.getSubscriptionType(),
            schema.getType(VIEWER_ROOT))
        .filter(t -> t instanceof GraphQLObjectType)
        .forEach(t -> entries.add((GraphQLObjectType) t));
    for (GraphQLObjectType type : entries) {
      String typeName = type.getName();
      Stream<GraphQLFieldDefinition> fields = type.getFieldDefinitions().stream();
      fields
          .filter(f -> FieldAccess.of(f) == null)
          .forEach(f -> missing.add(typeName + "." + f.getName()));
    }
    return missing;
  }
}
