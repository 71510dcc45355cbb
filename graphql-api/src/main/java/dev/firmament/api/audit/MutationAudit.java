package dev.firmament.api.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.MutationWrapping;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import graphql.execution.DataFetcherResult;
import graphql.schema.DataFetcher;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.graphql.autoconfigure.GraphQlSourceBuilderCustomizer;
import org.springframework.core.annotation.Order;
import org.springframework.graphql.execution.GraphQlSource;
import org.springframework.stereotype.Component;

/**
 * Appends one audit entry for every GraphQL mutation call, whatever its outcome: the caller's
 * actor, the mutation's name, the object it names, and its input with every secret left out
 * (tokens, secrets, firmware content: only their length is kept), plus the outcome (ok or the
 * error's class). Refused attempts are evidence too.
 *
 * <p>Wired into the schema once: the data fetcher of each {@code Mutation} field is wrapped, after
 * the field access rules ({@code FieldAccessWiring}, order 0) so that a call the rule refuses is
 * recorded too. An instrumentation, as this was, is asked about every field of every query and made
 * graphql-java build a data-fetching environment for property fields it otherwise reads directly.
 */
@Component
@Order(1)
public class MutationAudit implements GraphQlSourceBuilderCustomizer {
  private static final Logger log = LoggerFactory.getLogger(MutationAudit.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TARGETS =
      List.of(
          "id", "jobId", "productId", "deviceId", "customerId", "teamId", "firmwareId", "email");

  private final AuditRepository audit;

  public MutationAudit(AuditRepository audit) {
    this.audit = audit;
  }

  @Override
  public void customize(GraphQlSource.SchemaResourceBuilder builder) {
    builder.typeVisitors(List.of(MutationWrapping.visitor(this::audited)));
  }

  /** {@code fetcher}, with an audit entry for each call, whatever its outcome. */
  DataFetcher<?> audited(String mutation, DataFetcher<?> fetcher) {
    return environment -> {
      Optional<Caller> caller = Callers.find(environment.getGraphQlContext());
      Map<String, Object> arguments = environment.getArguments();
      Object result;
      try {
        result = fetcher.get(environment);
      } catch (Exception e) {
        record(caller, mutation, arguments, e);
        throw e;
      }
      if (result instanceof CompletionStage<?> stage) {
        return stage.whenComplete((value, failure) -> record(caller, mutation, arguments, failure));
      }
      Throwable failure =
          result instanceof DataFetcherResult<?> r && r.hasErrors()
              ? new IllegalStateException(r.getErrors().getFirst().getMessage())
              : null;
      record(caller, mutation, arguments, failure);
      return result;
    };
  }

  private void record(
      Optional<Caller> caller, String mutation, Map<String, Object> arguments, Throwable failure) {
    if (caller.isEmpty()) {
      return;
    }
    try {
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("outcome", failure == null ? "ok" : outcome(failure));
      details.put("input", redact(arguments));
      audit.append(
          caller.get().organizationId(),
          caller.get().actor(),
          mutation,
          target(arguments),
          JSON.writeValueAsString(details));
    } catch (Exception e) {
      log.error("audit entry could not be written mutation={}", mutation, e);
    }
  }

  private static String outcome(Throwable failure) {
    Throwable t = failure;
    while (t.getCause() != null && !(t instanceof ApiException)) {
      t = t.getCause();
    }
    if (t instanceof ApiException api) {
      return api.code().name();
    }
    return t.getClass().getSimpleName();
  }

  /** The first argument (at the top or in {@code input}) that names an object. */
  static String target(Map<String, Object> arguments) {
    Map<?, ?> input = arguments.get("input") instanceof Map<?, ?> m ? m : Map.of();
    for (String name : TARGETS) {
      Object value = input.containsKey(name) ? input.get(name) : arguments.get(name);
      if (value != null) {
        return name + ":" + value;
      }
    }
    return null;
  }

  /** The arguments with every secret replaced by its length. */
  static Object redact(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach(
          (k, v) -> {
            String key = String.valueOf(k);
            String lower = key.toLowerCase(Locale.ROOT);
            if (lower.equals("headers") && v instanceof java.util.Collection<?> list) {
              // A webhook's custom headers often carry a receiver's credential.
              out.put(key, "[" + list.size() + " headers]");
            } else if (lower.equals("csv") && v instanceof String csv) {
              // A SIM import's file, up to 10,000 rows: its size is the record, not its rows
              // (the SIMs it made are rows of their own, with who made them).
              out.put(key, "[" + csv.length() + " characters, " + csv.lines().count() + " lines]");
            } else if (lower.contains("token")
                || lower.contains("secret")
                || lower.contains("password")
                || lower.contains("content")
                || lower.equals("module")) {
              out.put(key, v == null ? null : "[" + String.valueOf(v).length() + " characters]");
            } else {
              out.put(key, redact(v));
            }
          });
      return out;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(MutationAudit::redact).toList();
    }
    if (value instanceof java.time.temporal.TemporalAccessor time) {
      // A DateTime argument, as the caller wrote it (ISO-8601).
      return time.toString();
    }
    return value;
  }
}
