package dev.firmament.api;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Helpers for {@code @BatchMapping} methods, which answer with one value per source. */
public final class BatchResults {
  private BatchResults() {}

  public static <K, V> Map<K, V> index(List<V> values, Function<V, K> key) {
    Map<K, V> result = new HashMap<>();
    values.forEach(v -> result.put(key.apply(v), v));
    return result;
  }

  /** Maps every source, with null where nothing matched, so no source is left unanswered. */
  public static <S, V> Map<S, V> mapEach(List<S> sources, Function<S, V> value) {
    Map<S, V> result = new LinkedHashMap<>();
    sources.forEach(s -> result.put(s, value.apply(s)));
    return result;
  }
}
