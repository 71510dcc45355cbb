package dev.firmament.api;

import graphql.schema.DataFetcher;
import graphql.schema.FieldCoordinates;
import graphql.schema.GraphQLCodeRegistry;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.GraphQLObjectType;
import graphql.schema.GraphQLSchemaElement;
import graphql.schema.GraphQLTypeVisitor;
import graphql.schema.GraphQLTypeVisitorStub;
import graphql.util.TraversalControl;
import graphql.util.TraverserContext;
import java.util.function.BiFunction;

/**
 * A schema visitor that wraps the data fetcher of each field of the {@code Mutation} type, once,
 * when the schema is built. What must happen around every mutation is wired this way rather than by
 * an instrumentation: graphql-java asks an instrumentation about every field of every query, and
 * one that reads the field's environment makes it build a whole data-fetching environment for
 * property fields it otherwise reads directly.
 */
public final class MutationWrapping {
  private MutationWrapping() {}

  /** Wraps each mutation's fetcher in {@code wrap(mutationName, fetcher)}. */
  public static GraphQLTypeVisitor visitor(
      BiFunction<String, DataFetcher<?>, DataFetcher<?>> wrap) {
    return new GraphQLTypeVisitorStub() {
      @Override
      public TraversalControl visitGraphQLFieldDefinition(
          GraphQLFieldDefinition field, TraverserContext<GraphQLSchemaElement> context) {
        if (context.getParentNode() instanceof GraphQLObjectType parent
            && parent.getName().equals("Mutation")) {
          GraphQLCodeRegistry.Builder registry =
              context.getVarFromParents(GraphQLCodeRegistry.Builder.class);
          FieldCoordinates coordinates = FieldCoordinates.coordinates(parent, field);
          registry.dataFetcher(
              coordinates,
              wrap.apply(field.getName(), registry.getDataFetcher(coordinates, field)));
        }
        return TraversalControl.CONTINUE;
      }
    };
  }
}
