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
 * @param deliveryHeartbeat how long a device's delivery may go without a heartbeat from the worker
 *     that delivers it before the stage re-adopts it on another worker; it must be well above the
 *     workers' {@code firmament.delivery.heartbeat-interval}
 * @param deliverySlice how many devices' first offers a stage starts in one delivery activity,
 *     their ends reported to the stage in batches; 0 or 1 for one activity per device
 */
@ConfigurationProperties("firmament.rollout")
public record RolloutProperties(
    @DefaultValue("10m") Duration deviceTimeout,
    @DefaultValue("500") int pageSize,
    @DefaultValue("false") boolean requireSignedFirmware,
    @DefaultValue("60s") Duration deliveryHeartbeat,
    @DefaultValue("100") int deliverySlice) {}
