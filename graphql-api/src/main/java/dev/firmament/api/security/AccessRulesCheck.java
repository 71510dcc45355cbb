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
 * Query, Mutation, Subscription and the viewer root Login must carry {@code @access}, so a field
 * added later cannot be open by omission.
 */
@Component
public class AccessRulesCheck implements SmartInitializingSingleton {
  static final List<String> ENTRY_TYPES = List.of("Query", "Mutation", "Subscription", "Login");

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
    for (String typeName : ENTRY_TYPES) {
      if (!(schema.getType(typeName) instanceof GraphQLObjectType type)) {
        continue;
      }
      Stream<GraphQLFieldDefinition> fields = type.getFieldDefinitions().stream();
      fields
          .filter(f -> FieldAccess.of(f) == null)
          .forEach(f -> missing.add(typeName + "." + f.getName()));
    }
    return missing;
  }
}
