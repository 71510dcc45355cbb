package dev.firmament.devstack;

import io.temporal.internal.testservice.TestServicesStarter;
import java.lang.reflect.Field;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded, constant-time replacement for the Temporal test server's list of time-lock events.
 *
 * <p>The test server's timer ({@code SelfAdvancingTimerImpl}) appends an event to a {@link
 * LinkedList} on every time-skipping lock and unlock, for diagnostics only. Events recorded on
 * behalf of requests (every activity and workflow task takes and releases such a lock) are never
 * removed, and releasing a lock handle searches the list linearly for its own event. The list
 * therefore grows with every task the server has ever run, and each release costs time proportional
 * to the server's age: a rollout of 20,000 devices spent a fifth of its CPU time in that search,
 * and the list never shrinks while the server runs.
 *
 * <p>This log keeps the most recent {@value #CAPACITY} events in insertion order (what the
 * diagnostics print) with constant-time add and remove. Removing an event that already left the
 * window reports success, as the original would for a balanced unlock; the timer's own lock
 * counter, which this does not touch, still rejects an unbalanced unlock. Used by {@link
 * EmbeddedTemporal} only, never against a real Temporal cluster. The timer uses nothing of the list
 * but {@code add}, {@code remove} and iteration, which are the methods overridden here.
 */
final class TimeLockEventLog extends LinkedList<Object> {
  private static final long serialVersionUID = 1L;

  /** How many of the latest events the diagnostics can show. */
  static final int CAPACITY = 4096;

  private static final Logger log = LoggerFactory.getLogger(TimeLockEventLog.class);

  /** Identity semantics: the server's events do not override equals or hashCode. */
  private final transient Map<Object, Boolean> events =
      new LinkedHashMap<>(CAPACITY * 2, 0.75f) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Boolean> eldest) {
          return size() > CAPACITY;
        }
      };

  /**
   * Swaps the server's event list for this log. Returns whether it did; when the server's internals
   * differ from what this expects, the server is left as it is and works, only slower on long runs.
   */
  static boolean install(TestServicesStarter services) {
    return installed(services) != null;
  }

  /** The log installed in the server, or null when it was left as it is. */
  static TimeLockEventLog installed(TestServicesStarter services) {
    try {
      Object store = read(services, "workflowStore");
      Object timer = read(store, "selfAdvancingTimer");
      Lock timerLock = (Lock) read(timer, "lock");
      Field field = timer.getClass().getDeclaredField("lockEvents");
      field.setAccessible(true);
      timerLock.lock();
      try {
        Object current = field.get(timer);
        if (current instanceof TimeLockEventLog done) {
          return done;
        }
        if (!(current instanceof LinkedList<?> list)) {
          return null;
        }
        TimeLockEventLog replacement = new TimeLockEventLog();
        list.forEach(replacement::add);
        field.set(timer, replacement);
        return replacement;
      } finally {
        timerLock.unlock();
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("Temporal test server time-lock log left as it is: {}", e.toString());
      return null;
    }
  }

  private static Object read(Object owner, String name) throws ReflectiveOperationException {
    Field field = owner.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(owner);
  }

  private long recorded;

  @Override
  public boolean add(Object event) {
    recorded++;
    events.put(event, Boolean.TRUE);
    return true;
  }

  @Override
  public boolean remove(Object event) {
    events.remove(event);
    return true;
  }

  @Override
  public Iterator<Object> iterator() {
    return Collections.unmodifiableSet(events.keySet()).iterator();
  }

  @Override
  public int size() {
    return events.size();
  }

  @Override
  public boolean isEmpty() {
    return events.isEmpty();
  }

  /** How many events were ever added. */
  long recorded() {
    return recorded;
  }

  /** The events currently kept, oldest first. */
  Set<Object> kept() {
    return Collections.unmodifiableSet(events.keySet());
  }
}
