package dev.firmament.api.config;

import dev.firmament.api.security.FieldAccess;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.SimplePerformantInstrumentation;
import graphql.execution.instrumentation.parameters.InstrumentationFieldFetchParameters;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.GraphQLFieldDefinition;
import graphql.schema.LightDataFetcher;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.dataloader.DataLoader;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.stereotype.Controller;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Reads a {@code @BatchMapping} field straight from its data loader.
 *
 * <p>Each value of a {@code @BatchMapping} field is one call of a data fetcher that hands its
 * source to the field's data loader, which loads the whole batch later in one go. Spring wraps that
 * fetcher to restore the request's thread-local context around it, and graphql-java builds a whole
 * data-fetching environment for it; neither is needed to queue a key, and a page of 100 devices has
 * 100 such values per batched child. This instrumentation, appended last to the chain (by {@link
 * ApiConfiguration}, after Spring's, whose observation wrapper would otherwise make graphql-java
 * build the environment again), answers such a field with a {@link LightDataFetcher} that queues
 * the source on the same data loader (Spring names it by the field's coordinates). The batch itself
 * still runs as Spring runs it, with the request's context.
 *
 * <p>Left as they are: fields with an {@code @access} rule (their check is in their fetcher), and
 * batch methods without an explicit {@code typeName}. No fetcher here sets a local context, which
 * Spring would otherwise pass to the loader with the key.
 */
public class BatchFieldShortcut extends SimplePerformantInstrumentation {
  /** Data loader names by type and field name. */
  private final Map<String, Map<String, String>> loaders;

  public BatchFieldShortcut(ListableBeanFactory beans) {
    this(batchFields(beans));
  }

  BatchFieldShortcut(Map<String, Map<String, String>> loaders) {
    this.loaders = loaders;
  }

  @Override
  public DataFetcher<?> instrumentDataFetcher(
      DataFetcher<?> dataFetcher,
      InstrumentationFieldFetchParameters parameters,
      InstrumentationState state) {
    if (parameters.isTrivialDataFetcher()) {
      return dataFetcher;
    }
    Map<String, String> fields =
        loaders.get(parameters.getExecutionStepInfo().getObjectType().getName());
    GraphQLFieldDefinition field = parameters.getField();
    String name = fields == null ? null : fields.get(field.getName());
    if (name == null || FieldAccess.of(field) != null) {
      return dataFetcher;
    }
    DataLoader<Object, Object> loader =
        parameters.getExecutionContext().getDataLoaderRegistry().getDataLoader(name);
    return loader == null ? dataFetcher : new Queued(loader);
  }

  /** The {@code @BatchMapping} fields of the context's controllers: type, field, loader name. */
  static Map<String, Map<String, String>> batchFields(ListableBeanFactory beans) {
    Map<String, Map<String, String>> fields = new HashMap<>();
    for (String bean : beans.getBeanNamesForAnnotation(Controller.class)) {
      Class<?> type = beans.getType(bean);
      if (type != null) {
        ReflectionUtils.doWithMethods(ClassUtils.getUserClass(type), method -> add(fields, method));
      }
    }
    return fields;
  }

  private static void add(Map<String, Map<String, String>> fields, Method method) {
    BatchMapping mapping = AnnotatedElementUtils.findMergedAnnotation(method, BatchMapping.class);
    if (mapping == null || mapping.typeName().isEmpty()) {
      return;
    }
    String field = mapping.field().isEmpty() ? method.getName() : mapping.field();
    fields
        .computeIfAbsent(mapping.typeName(), t -> new HashMap<>())
        .put(field, mapping.typeName() + "." + field);
  }

  /** Queues the source on the field's data loader; the value comes when the batch has run. */
  private record Queued(DataLoader<Object, Object> loader) implements LightDataFetcher<Object> {
    @Override
    public Object get(
        GraphQLFieldDefinition field, Object source, Supplier<DataFetchingEnvironment> env) {
      return loader.load(source);
    }

    @Override
    public Object get(DataFetchingEnvironment environment) {
      return loader.load(environment.getSource());
    }
  }
}
