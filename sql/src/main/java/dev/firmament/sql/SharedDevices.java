package dev.firmament.sql;

import static dev.firmament.sql.generated.Tables.DEVICE_GROUP_MEMBERS;

import dev.firmament.sql.generated.tables.OtaJobs;
import java.util.UUID;
import org.jooq.Condition;
import org.jooq.impl.DSL;

/**
 * The one rule for whether two rollouts of a product target a device in common: a rollout of the
 * whole product shares every device with any other, and two group rollouts share their groups'
 * common members. The API (refusing or queueing a new rollout) and the workers (a waiting rollout
 * looking whether its devices are free) both ask it, so they can never disagree.
 */
public final class SharedDevices {
  private SharedDevices() {}

  /**
   * Whether the rollout {@code other} (a row of {@code ota_jobs}, under any alias) shares a device
   * with a rollout of the same product that targets {@code groupId} (null: the whole product).
   */
  public static Condition with(OtaJobs other, UUID groupId) {
    if (groupId == null) {
      return DSL.trueCondition();
    }
    var mine = DEVICE_GROUP_MEMBERS.as("mine");
    var theirs = DEVICE_GROUP_MEMBERS.as("theirs");
    return other
        .TARGET_GROUP_ID
        .isNull()
        .or(
            DSL.exists(
                DSL.selectOne()
                    .from(mine)
                    .join(theirs)
                    .on(theirs.DEVICE_ID.eq(mine.DEVICE_ID))
                    .where(mine.GROUP_ID.eq(groupId))
                    .and(theirs.GROUP_ID.eq(other.TARGET_GROUP_ID))));
  }
}
