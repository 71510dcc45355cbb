package dev.firmament.workers.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.firmament.artifact.ArtifactNotFoundException;
import dev.firmament.artifact.ArtifactStore;
import dev.firmament.artifact.ArtifactStoreException;
import dev.firmament.artifact.StoredArtifact;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ArtifactCacheTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @Test
  void concurrentMissesForOneKeyReadTheStoreOnce() throws InterruptedException {
    GatedStore store = new GatedStore(Map.of("full/a", new byte[] {1, 2, 3}));
    ArtifactCache cache = new ArtifactCache(store, 1 << 20);
    List<byte[]> results = new CopyOnWriteArrayList<>();
    List<Thread> readers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      readers.add(Thread.ofPlatform().start(() -> results.add(cache.get("full/a"))));
    }

    // The first read is held in the store until every other reader waits too: on the cache's
    // load (one read), or, if the cache let misses through, inside the store (more reads).
    await().atMost(PATIENCE).until(() -> store.reads.get() >= 1);
    await().atMost(PATIENCE).until(() -> readers.stream().allMatch(ArtifactCacheTest::waits));
    store.release.countDown();
    for (Thread reader : readers) {
      assertThat(reader.join(PATIENCE)).isTrue();
    }

    assertThat(store.reads.get()).isEqualTo(1);
    assertThat(results).hasSize(8).allSatisfy(b -> assertThat(b).containsExactly(1, 2, 3));
  }

  @Test
  void aHitDoesNotReadTheStoreAgain() {
    GatedStore store = new GatedStore(Map.of("full/a", new byte[] {1}));
    store.release.countDown();
    ArtifactCache cache = new ArtifactCache(store, 1 << 20);

    cache.get("full/a");
    cache.get("full/a");

    assertThat(store.reads.get()).isEqualTo(1);
  }

  @Test
  void aFailedReadReachesTheCallerAndIsNotCached() {
    GatedStore store = new GatedStore(Map.of("full/a", new byte[] {7}));
    store.release.countDown();
    store.failNext.set(1);
    ArtifactCache cache = new ArtifactCache(store, 1 << 20);

    assertThatThrownBy(() -> cache.get("full/a")).isInstanceOf(ArtifactStoreException.class);
    assertThatThrownBy(() -> cache.get("full/missing"))
        .isInstanceOf(ArtifactNotFoundException.class);
    assertThat(cache.get("full/a")).containsExactly(7);
    assertThat(store.reads.get()).isEqualTo(3);
  }

  @Test
  void theCacheHoldsAtMostItsBytes() {
    GatedStore store =
        new GatedStore(
            Map.of("full/a", new byte[60], "full/b", new byte[60], "full/c", new byte[30]));
    store.release.countDown();
    ArtifactCache cache = new ArtifactCache(store, 100);

    cache.get("full/a");
    cache.get("full/b");
    cache.get("full/c");

    // Caffeine evicts in its maintenance, which may run after the call that went over the bound.
    await().atMost(PATIENCE).until(() -> cache.cachedBytes() <= 100);
    assertThat(cache.cachedBytes()).isPositive();
  }

  /** Whether the thread waits (on a lock or the store's gate) or is done. */
  private static boolean waits(Thread thread) {
    return switch (thread.getState()) {
      case BLOCKED, WAITING, TIMED_WAITING, TERMINATED -> true;
      case NEW, RUNNABLE -> false;
    };
  }

  /** Artifacts in memory whose reads wait for {@link #release} and are counted. */
  private static final class GatedStore implements ArtifactStore {
    final Map<String, byte[]> objects = new ConcurrentHashMap<>();
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger failNext = new AtomicInteger();

    GatedStore(Map<String, byte[]> objects) {
      this.objects.putAll(objects);
    }

    @Override
    public byte[] read(String storageKey) {
      reads.incrementAndGet();
      try {
        if (!release.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the store");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new ArtifactStoreException("backend unavailable");
      }
      byte[] bytes = objects.get(storageKey);
      if (bytes == null) {
        throw new ArtifactNotFoundException(storageKey);
      }
      return bytes.clone();
    }

    @Override
    public StoredArtifact put(String kind, byte[] bytes) {
      throw new UnsupportedOperationException("the cache only reads");
    }

    @Override
    public StoredArtifact put(String kind, InputStream bytes, long maxBytes) {
      throw new UnsupportedOperationException("the cache only reads");
    }

    @Override
    public InputStream open(String storageKey) {
      return new ByteArrayInputStream(read(storageKey));
    }

    @Override
    public Optional<StoredArtifact> stat(String storageKey) {
      throw new UnsupportedOperationException("the cache only reads");
    }
  }
}
