package dev.firmament.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import graphql.ExecutionInput;
import graphql.GraphqlErrorBuilder;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.language.Document;
import graphql.parser.Parser;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DocumentCacheTest {
  private final AtomicInteger parses = new AtomicInteger();
  private final Function<ExecutionInput, PreparsedDocumentEntry> parse =
      input -> {
        parses.incrementAndGet();
        return new PreparsedDocumentEntry(Parser.parse(input.getQuery()));
      };

  private static ExecutionInput input(String query, Locale locale) {
    return ExecutionInput.newExecutionInput(query).locale(locale).build();
  }

  private Document document(DocumentCache cache, String query, Locale locale) {
    return cache.getDocumentAsync(input(query, locale), parse).join().getDocument();
  }

  private Document withVariables(
      DocumentCache cache, String query, java.util.Map<String, Object> variables) {
    return cache
        .getDocumentAsync(
            ExecutionInput.newExecutionInput(query)
                .locale(Locale.ENGLISH)
                .variables(variables)
                .build(),
            parse)
        .join()
        .getDocument();
  }

  @Test
  void aRepeatedDocumentIsParsedOnceWhateverItsVariables() {
    DocumentCache cache = new DocumentCache(10_000);
    String query = "query($id: ID!) { device(id: $id) { id } }";
    Document first = withVariables(cache, query, java.util.Map.of("id", "a"));
    Document second = withVariables(cache, query, java.util.Map.of("id", "b"));
    assertThat(second).isSameAs(first);
    assertThat(parses).hasValue(1);
    document(cache, "{ login { id } }", Locale.ENGLISH);
    assertThat(parses).hasValue(2);
  }

  @Test
  void theLocaleOfErrorMessagesIsPartOfTheKey() {
    DocumentCache cache = new DocumentCache(10_000);
    document(cache, "{ login { id } }", Locale.ENGLISH);
    document(cache, "{ login { id } }", Locale.GERMAN);
    assertThat(parses).hasValue(2);
    assertThat(cache.size()).isEqualTo(2);
  }

  @Test
  void aRefusedDocumentIsKeptWithItsErrors() {
    DocumentCache cache = new DocumentCache(10_000);
    Function<ExecutionInput, PreparsedDocumentEntry> invalid =
        input -> {
          parses.incrementAndGet();
          return new PreparsedDocumentEntry(
              GraphqlErrorBuilder.newError().message("field nope is undefined").build());
        };
    for (int i = 0; i < 3; i++) {
      PreparsedDocumentEntry entry =
          cache.getDocumentAsync(input("{ nope }", Locale.ENGLISH), invalid).join();
      assertThat(entry.hasErrors()).isTrue();
      assertThat(entry.getErrors().getFirst().getMessage()).isEqualTo("field nope is undefined");
    }
    assertThat(parses).hasValue(1);
  }

  @Test
  void keepsDocumentsUpToItsBoundInCharacters() {
    // Each document is 100 characters; a bound of 1,000 keeps at most ten of them.
    DocumentCache cache = new DocumentCache(1_000);
    for (int i = 0; i < 50; i++) {
      String name = "q%03d".formatted(i);
      String query = "query " + name + " { login { id } }";
      document(cache, query + " ".repeat(100 - query.length()), Locale.ENGLISH);
    }
    assertThat(parses).hasValue(50);
    assertThat(cache.size()).isBetween(1L, 10L);
  }
}
