package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.schema.idl.SchemaPrinter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.graphql.execution.GraphQlSource;

/**
 * The API's schema as a file in the repository ({@code graphql-api/schema.graphql}), so that
 * clients can generate code without a running server: the schema the application serves, printed,
 * must equal the file. After a schema change, write the file again with {@code
 * -Dfirmament.schema.write=true} (the test then passes and the file is part of the change).
 */
class SchemaFileTest extends ApiIntegrationTest {
  static final Path FILE = Path.of("schema.graphql");

  @Autowired GraphQlSource graphQlSource;

  @Test
  void theSchemaFileIsTheSchemaTheApiServes() throws IOException {
    String served =
        "# The Firmament GraphQL API's schema, printed from the running application.\n"
            + "# Checked by SchemaFileTest; written again with -Dfirmament.schema.write=true.\n\n"
            + new SchemaPrinter(
                    SchemaPrinter.Options.defaultOptions()
                        .includeDirectives(true)
                        .includeSchemaDefinition(true))
                .print(graphQlSource.schema());
    if (Boolean.getBoolean("firmament.schema.write")) {
      Files.writeString(FILE, served, StandardCharsets.UTF_8);
    }
    assertThat(FILE)
        .as(
            "graphql-api/schema.graphql is not the schema the API serves: run this test with"
                + " -Dfirmament.schema.write=true and commit the file")
        .exists();
    assertThat(Files.readString(FILE, StandardCharsets.UTF_8)).isEqualTo(served);
  }
}
