package dev.firmament.api.rollout;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Rollout settings the API passes to every new rollout workflow.
 *
 * @param deviceTimeout how long one device may take from offer to final report
 * @param pageSize how many target ids the workflow reads per activity call
 * @param requireSignedFirmware refuse to roll out a build whose manifest is not signed yet (set it
 *     where devices check signatures, so a rollout fails fast instead of every device refusing)
 */
@ConfigurationProperties("firmament.rollout")
public record RolloutProperties(
    @DefaultValue("10m") Duration deviceTimeout,
    @DefaultValue("500") int pageSize,
    @DefaultValue("false") boolean requireSignedFirmware) {}
