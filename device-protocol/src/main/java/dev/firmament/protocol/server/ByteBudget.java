package dev.firmament.protocol.server;

import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The gateway's limit on bytes in flight over all its transfers, handed out as reservations.
 *
 * <p>A transfer sends only while it holds a reservation; one that does not fit waits in a FIFO
 * queue until {@link #firstWaiting()} lets the gateway try it again. A reservation fits while the
 * reserved total stays at or below the limit, and a lone transfer always fits, even if it asks for
 * more than the whole budget: otherwise a window larger than the budget could never be sent.
 *
 * <p>Holders are compared by identity. Not thread-safe: the gateway uses it from its event loop.
 *
 * @param <T> what holds reservations (the gateway's per-device session)
 */
final class ByteBudget<T> {

  private final long limit;
  private final Map<T, Long> reservations = new IdentityHashMap<>();
  private final Set<Waiting<T>> waiting = new LinkedHashSet<>();
  private long reserved;

  /**
   * @param limit bytes that may be reserved at once, at least one
   */
  ByteBudget(long limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    this.limit = limit;
  }

  /**
   * Reserves {@code bytes} for {@code holder} if they fit; otherwise queues the holder (once) and
   * returns false. A holder that already holds a reservation keeps it and gets true.
   */
  boolean tryReserve(T holder, long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("reserve at least one byte, not " + bytes);
    }
    if (holds(holder)) {
      return true;
    }
    if (reserved > 0 && reserved + bytes > limit) {
      waiting.add(new Waiting<>(holder));
      return false;
    }
    waiting.remove(new Waiting<>(holder));
    reservations.put(holder, bytes);
    reserved += bytes;
    return true;
  }

  /** Gives back the holder's reservation, if any, and takes it out of the queue. */
  void release(T holder) {
    Long bytes = reservations.remove(holder);
    if (bytes != null) {
      reserved -= bytes;
    }
    waiting.remove(new Waiting<>(holder));
  }

  /** The holder that has waited longest, or null when none waits. */
  T firstWaiting() {
    Iterator<Waiting<T>> it = waiting.iterator();
    return it.hasNext() ? it.next().holder() : null;
  }

  boolean holds(T holder) {
    return reservations.containsKey(holder);
  }

  boolean isWaiting(T holder) {
    return waiting.contains(new Waiting<>(holder));
  }

  /** The holder's reserved bytes, 0 if it holds none. */
  long reservedBy(T holder) {
    return reservations.getOrDefault(holder, 0L);
  }

  /** Bytes reserved over all holders. */
  long reserved() {
    return reserved;
  }

  /** A queue entry that compares its holder by identity, as the reservations do. */
  private record Waiting<T>(T holder) {
    @Override
    public boolean equals(Object other) {
      return other instanceof Waiting<?> w && w.holder == holder;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(holder);
    }
  }
}
