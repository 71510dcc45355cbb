package dev.firmament.api.live;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Live subscriptions and the change feed behind them.
 *
 * @param pollInterval how often the feed reads even without a notification (rows an older, still
 *     running transaction held back are read within it)
 * @param subscriberBuffer events held for one subscriber that has not taken them yet; one that
 *     falls further behind is told to resume
 * @param retention how long the stored feed keeps events for subscribers that resume
 * @param pruneInterval how often events older than the retention are deleted
 */
@ConfigurationProperties("firmament.live")
public record LiveProperties(
    @DefaultValue("500ms") Duration pollInterval,
    @DefaultValue("10000") int subscriberBuffer,
    @DefaultValue("7d") Duration retention,
    @DefaultValue("10m") Duration pruneInterval) {

  public LiveProperties {
    if (pollInterval.toMillis() < 10
        || subscriberBuffer < 16
        || retention.toMinutes() < 1
        || pruneInterval.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "firmament.live.*: poll-interval at least 10ms, subscriber-buffer at least 16,"
              + " retention at least 1m, prune-interval at least 1s");
    }
  }
}
