package dev.firmament.api.config;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import graphql.ExecutionInput;
import graphql.execution.preparsed.PreparsedDocumentEntry;
import graphql.execution.preparsed.PreparsedDocumentProvider;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Parsed and validated GraphQL documents, kept by their text so that a client sending the same
 * query again (as every client does, with new variables) is not parsed and validated again: at 500
 * requests/s that took about a tenth of the API's CPU. Validation depends on the schema and the
 * document only (not on variables or the caller), so a document's entry, errors included, holds for
 * every later request with the same text and locale (the locale of its error messages). The cache
 * holds documents of at most {@code maxCharacters} characters in all, the least used dropped first,
 * so that clients sending ever new documents cost memory only up to that bound (weighed by text, as
 * a parsed document's size follows its text's; one document is already limited by {@code
 * firmament.api.limits.max-document-size}).
 */
public final class DocumentCache implements PreparsedDocumentProvider {
  private record Key(String document, Locale locale) {}

  private final Cache<Key, PreparsedDocumentEntry> documents;

  public DocumentCache(long maxCharacters) {
    this.documents =
        Caffeine.newBuilder()
            .maximumWeight(maxCharacters)
            .weigher((Key key, PreparsedDocumentEntry entry) -> key.document().length())
            .build();
  }

  @Override
  public CompletableFuture<PreparsedDocumentEntry> getDocumentAsync(
      ExecutionInput input, Function<ExecutionInput, PreparsedDocumentEntry> parseAndValidate) {
    Key key = new Key(input.getQuery(), input.getLocale());
    return CompletableFuture.completedFuture(
        documents.get(key, k -> parseAndValidate.apply(input)));
  }

  /** How many documents are kept now (after pending evictions). */
  long size() {
    documents.cleanUp();
    return documents.estimatedSize();
  }
}
