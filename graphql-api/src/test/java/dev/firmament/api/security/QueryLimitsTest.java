package dev.firmament.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphQLError;
import graphql.introspection.IntrospectionQuery;
import graphql.schema.DataFetcher;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Each limit exactly at its maximum holds and one over refuses, before any data fetcher runs. */
class QueryLimitsTest {
  private static final String SDL =
      """
      type Query { node: Node  page(size: Int = 20): Page  nodes(perPage: Int): [Node] }
      type Node { id: ID  child: Node  children(first: Int): [Node] }
      type Page { total: Int  items: [Node] }
      """;
  private static final QueryLimitsProperties LIMITS =
      new QueryLimitsProperties(true, 200, 4, 3, 100, 10);

  private final AtomicInteger fetches = new AtomicInteger();
  private final GraphQL graphQl = graphQl(LIMITS);

  private GraphQL graphQl(QueryLimitsProperties limits) {
    DataFetcher<Object> counting =
        env -> {
          fetches.incrementAndGet();
          return null;
        };
    RuntimeWiring wiring =
        RuntimeWiring.newRuntimeWiring()
            .type("Query", q -> q.dataFetcher("node", counting).dataFetcher("page", counting))
            .build();
    GraphQLSchema schema =
        new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(SDL), wiring);
    return GraphQL.newGraphQL(schema).instrumentation(new QueryLimits(limits)).build();
  }

  private ExecutionResult run(String document) {
    return graphQl.execute(document);
  }

  private ExecutionResult run(String document, Map<String, Object> variables) {
    return graphQl.execute(ExecutionInput.newExecutionInput(document).variables(variables));
  }

  private void assertHolds(ExecutionResult result) {
    assertThat(result.getErrors()).isEmpty();
    assertThat(fetches.get()).isPositive();
  }

  private void assertRefused(ExecutionResult result, String limit, long max, long actual) {
    assertThat(result.getErrors()).hasSize(1);
    GraphQLError error = result.getErrors().getFirst();
    assertThat(error.getExtensions())
        .containsEntry("code", "QUERY_TOO_COMPLEX")
        .containsEntry("limit", limit)
        .containsEntry("max", max)
        .containsEntry("actual", actual);
    assertThat(error.getMessage()).contains(String.valueOf(actual)).contains(String.valueOf(max));
    assertThat(result.isDataPresent()).isFalse();
    assertThat(fetches.get()).as("no data fetcher ran").isZero();
  }

  private static String padded(String document, int length) {
    return document + " ".repeat(length - document.length());
  }

  @Test
  void documentExactlyAtTheMaximumSizeHolds() {
    assertHolds(run(padded("{ node { id } }", 200)));
  }

  @Test
  void documentOneCharacterOverTheMaximumSizeIsRefused() {
    assertRefused(run(padded("{ node { id } }", 201)), "documentSize", 200, 201);
  }

  @Test
  void depthExactlyAtTheMaximumHolds() {
    assertHolds(run("{ node { child { child { id } } } }"));
  }

  @Test
  void oneLevelOverTheMaximumDepthIsRefused() {
    assertRefused(run("{ node { child { child { child { id } } } } }"), "depth", 4, 5);
  }

  @Test
  void depthCountsThroughFragments() {
    assertRefused(
        run("{ node { ...deep } } fragment deep on Node { child { child { child { id } } } }"),
        "depth",
        4,
        5);
  }

  @Test
  void aliasesExactlyAtTheMaximumHold() {
    assertHolds(run("{ a: node { id } b: node { id } c: node { id } }"));
  }

  @Test
  void oneAliasOverTheMaximumIsRefused() {
    assertRefused(
        run("{ a: node { id } b: node { id } c: node { id } d: node { id } }"), "aliases", 3, 4);
  }

  @Test
  void aliasesCountWhereAFragmentIsSpread() {
    assertRefused(
        run("{ node { ...two child { ...two } } } fragment two on Node { a: id b: id }"),
        "aliases",
        3,
        4);
  }

  @Test
  void costExactlyAtTheMaximumHolds() {
    // page (1) + 99 × total (1) = 100.
    assertHolds(run("query($n: Int) { page(size: $n) { total } }", Map.of("n", 99)));
  }

  @Test
  void costOneOverTheMaximumIsRefused() {
    assertRefused(
        run("query($n: Int) { page(size: $n) { total } }", Map.of("n", 100)), "cost", 100, 101);
  }

  @Test
  void pageSizesMultiplyAlongTheSelection() {
    // node 1 + children 1 + 5 × (id 1 + children 1 + 5 × id 1) = 2 + 5 × 7 = 37: holds.
    assertHolds(run("{ node { children(first: 5) { id children(first: 5) { id } } } }"));
    fetches.set(0);
    // With 10 per level the count passes 100 at the innermost id: 1 + 1 + 10 + 10 + 100 = 122.
    assertRefused(
        run("{ node { children(first: 10) { id children(first: 10) { id } } } }"),
        "cost",
        100,
        122);
  }

  @Test
  void anAbsentSizeCountsTheSchemaDefaultThenTheConfiguredDefault() {
    // page's size defaults to 20 in the schema: 1 + 20 × (total + items + id) = 61.
    assertHolds(run("{ page { total items { id } } }"));
    fetches.set(0);
    // Neither perPage nor first has a default: 10 each, 1 + 10 × (1 + 10 × 1) = 111.
    assertRefused(run("{ nodes { children { id } } }"), "cost", 100, 111);
  }

  @Test
  void introspectionIsNotCountedAgainstDepthOrCost() {
    // Only the document size applies: the introspection query is far deeper than 4 levels.
    ExecutionResult result =
        graphQl(new QueryLimitsProperties(true, 20_000, 4, 3, 100, 10))
            .execute(IntrospectionQuery.INTROSPECTION_QUERY);
    assertThat(result.getErrors()).isEmpty();
    assertThat(result.<Map<String, Object>>getData()).containsKey("__schema");
  }

  @Test
  void aliasedTypenamesCount() {
    String aliases =
        IntStream.range(0, 4)
            .mapToObj(i -> "t" + i + ": __typename")
            .collect(Collectors.joining(" "));
    assertRefused(run("{ " + aliases + " }"), "aliases", 3, 4);
  }
}
