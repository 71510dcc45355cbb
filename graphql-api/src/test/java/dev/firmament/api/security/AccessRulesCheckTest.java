package dev.firmament.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import org.junit.jupiter.api.Test;

/** A schema entry point without an access rule is found, wherever it is declared. */
class AccessRulesCheckTest {
  private static final String DIRECTIVE =
      "directive @access(scopes: [String!]! = [], customers: Boolean = false) on"
          + " FIELD_DEFINITION\n";

  private static GraphQLSchema schema(String sdl) {
    return new SchemaGenerator()
        .makeExecutableSchema(
            new SchemaParser().parse(DIRECTIVE + sdl), RuntimeWiring.newRuntimeWiring().build());
  }

  @Test
  void everyEntryPointWithoutARuleIsNamed() {
    GraphQLSchema schema =
        schema(
            """
            type Query { open: String  guarded: String @access(scopes: ["devices:read"])  login: Login @access }
            type Mutation { change: String  allowed: String @access(scopes: ["devices:write"]) }
            type Login { viewer: String  devices: String @access(customers: true) }
            type Other { notAnEntryPoint: String }
            """);

    assertThat(AccessRulesCheck.fieldsWithoutRule(schema))
        .containsExactlyInAnyOrder("Query.open", "Mutation.change", "Login.viewer");
  }

  @Test
  void theServerRefusesToStartWithAnOpenEntryPoint() {
    GraphQLSchema open = schema("type Query { open: String }");
    org.springframework.graphql.execution.GraphQlSource source =
        org.mockito.Mockito.mock(org.springframework.graphql.execution.GraphQlSource.class);
    org.mockito.Mockito.when(source.schema()).thenReturn(open);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new AccessRulesCheck(source).afterSingletonsInstantiated())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Query.open");
  }

  @Test
  void aSchemaWhoseEntryPointsAllCarryARulePasses() {
    GraphQLSchema schema =
        schema(
            """
            type Query { guarded: String @access(scopes: ["devices:read"]) }
            type Mutation { allowed: String @access }
            """);

    assertThat(AccessRulesCheck.fieldsWithoutRule(schema)).isEmpty();
  }

  @Test
  void aRuleReadsItsScopesAndCustomerFlag() {
    GraphQLSchema schema =
        schema(
            """
            type Query {
              a: String @access(scopes: ["devices:read", "rollouts:read"], customers: true)
              b: String @access
            }
            """);
    FieldAccess a = FieldAccess.of(schema.getQueryType().getFieldDefinition("a"));
    FieldAccess b = FieldAccess.of(schema.getQueryType().getFieldDefinition("b"));

    assertThat(a.customers()).isTrue();
    assertThat(a.scopes())
        .extracting(dev.firmament.api.caller.Scope::value)
        .containsExactlyInAnyOrder("devices:read", "rollouts:read");
    assertThat(b.customers()).isFalse();
    assertThat(b.scopes()).isEmpty();
  }
}
