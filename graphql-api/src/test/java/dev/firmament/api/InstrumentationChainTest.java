package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.config.BatchFieldShortcut;
import graphql.execution.instrumentation.ChainedInstrumentation;
import graphql.execution.instrumentation.Instrumentation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.graphql.execution.GraphQlSource;

/**
 * The batch-field shortcut is the last instrumentation of the application's chain, so the light
 * fetcher it hands graphql-java is the one that runs: an instrumentation after it could wrap it in
 * a fetcher that makes graphql-java build the whole environment again.
 */
class InstrumentationChainTest extends ApiIntegrationTest {
  @Autowired GraphQlSource source;

  @Test
  void theBatchFieldShortcutComesLast() {
    Instrumentation instrumentation = source.graphQl().getInstrumentation();
    assertThat(instrumentation).isInstanceOf(ChainedInstrumentation.class);
    List<Instrumentation> chain = ((ChainedInstrumentation) instrumentation).getInstrumentations();
    assertThat(chain).hasSizeGreaterThan(1);
    assertThat(chain.getLast()).as("the chain: %s", chain).isInstanceOf(BatchFieldShortcut.class);
  }
}
