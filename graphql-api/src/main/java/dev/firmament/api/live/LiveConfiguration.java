package dev.firmament.api.live;

import dev.firmament.api.rollout.RolloutSnapshots;
import java.time.Clock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/** The change feed, the rollout progress hub and the feed's retention. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(LiveProperties.class)
@EnableScheduling
public class LiveConfiguration {
  private static final Logger log = LoggerFactory.getLogger(LiveConfiguration.class);

  @Bean
  ChangeFeed changeFeed(DataSource dataSource, LiveProperties properties) {
    return new ChangeFeed(dataSource, properties.pollInterval());
  }

  @Bean
  RolloutProgressHub rolloutProgressHub(
      ChangeFeed feed, RolloutSnapshots snapshots, LiveProperties properties) {
    return new RolloutProgressHub(
        feed, snapshots, Clock.systemUTC(), properties.subscriberBuffer());
  }

  @Bean
  Pruner changeFeedPruner(ChangeEventRepository events, LiveProperties properties) {
    return new Pruner(events, properties);
  }

  /** Deletes stored events past the retention, in batches, moving the feed's horizon. */
  static final class Pruner {
    private final ChangeEventRepository events;
    private final LiveProperties properties;

    Pruner(ChangeEventRepository events, LiveProperties properties) {
      this.events = events;
      this.properties = properties;
    }

    @Scheduled(
        initialDelayString = "${firmament.live.prune-interval:10m}",
        fixedDelayString = "${firmament.live.prune-interval:10m}")
    void prune() {
      try {
        int total = 0;
        int deleted;
        do {
          deleted = events.prune(properties.retention(), 10_000);
          total += deleted;
        } while (deleted == 10_000);
        if (total > 0) {
          log.info("change feed pruned events={} retention={}", total, properties.retention());
        }
      } catch (RuntimeException e) {
        log.warn("change feed pruning failed, again later: {}", e.getMessage());
      }
    }
  }
}
