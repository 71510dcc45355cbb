package dev.firmament.api.error;

import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import graphql.schema.DataFetchingEnvironment;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.graphql.execution.DataFetcherExceptionResolverAdapter;
import org.springframework.stereotype.Component;

/**
 * Turns {@link ApiException}s into GraphQL errors with {@code extensions.code}, and everything else
 * into a generic {@code INTERNAL} error whose details stay in the server log.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class GraphQlErrorResolver extends DataFetcherExceptionResolverAdapter {

  @Override
  protected GraphQLError resolveToSingleError(Throwable failure, DataFetchingEnvironment env) {
    Throwable cause = unwrap(failure);
    ApiException denial = Denials.toApi(cause);
    if (denial != null) {
      cause = denial;
    }
    if (cause instanceof ApiException api) {
      Map<String, Object> extensions = new java.util.LinkedHashMap<>(api.details());
      extensions.put("code", api.code().name());
      return GraphqlErrorBuilder.newError(env)
          .errorType(api.code().graphQlType())
          .message(api.getMessage())
          .extensions(extensions)
          .build();
    }
    InternalErrors.Logged logged =
        InternalErrors.log(String.valueOf(env.getExecutionStepInfo().getPath()), cause);
    return GraphqlErrorBuilder.newError(env)
        .errorType(ErrorCode.INTERNAL.graphQlType())
        .message(logged.message())
        .extensions(Map.of("code", ErrorCode.INTERNAL.name(), "errorId", logged.errorId()))
        .build();
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
