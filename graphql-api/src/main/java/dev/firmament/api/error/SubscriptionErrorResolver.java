package dev.firmament.api.error;

import graphql.GraphQLError;
import graphql.GraphqlErrorBuilder;
import java.util.Map;
import org.springframework.graphql.execution.SubscriptionExceptionResolverAdapter;
import org.springframework.stereotype.Component;

/**
 * Errors that end a live subscription after it started, as {@link GraphQlErrorResolver} answers
 * errors of a request: an {@link ApiException} keeps its code; anything else is {@code INTERNAL}
 * with an error id, its details in the server log.
 */
@Component
public class SubscriptionErrorResolver extends SubscriptionExceptionResolverAdapter {

  @Override
  protected GraphQLError resolveToSingleError(Throwable failure) {
    ApiException api = failure instanceof ApiException a ? a : Denials.toApi(failure);
    if (api != null) {
      return GraphqlErrorBuilder.newError()
          .errorType(api.code().graphQlType())
          .message(api.getMessage())
          .extensions(Map.of("code", api.code().name()))
          .build();
    }
    InternalErrors.Logged logged = InternalErrors.log("subscription", failure);
    return GraphqlErrorBuilder.newError()
        .errorType(ErrorCode.INTERNAL.graphQlType())
        .message(logged.message())
        .extensions(Map.of("code", ErrorCode.INTERNAL.name(), "errorId", logged.errorId()))
        .build();
  }
}
