package dev.firmament.workers.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.orchestrator.rollout.DeviceUpdateRequest;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UpdateKeysTest {
  private static final String JOB = "5b0c7f5e-3a52-4d7e-9a65-0c2b9f6f1a10";

  @Test
  void eachAttemptHasAKeyOfItsOwnAndTheKeyNamesIt() {
    String first = new DeviceUpdateRequest(JOB, "dev-1", 1).key();
    String third = new DeviceUpdateRequest(JOB, "dev-1", 3).key();

    assertThat(first).isEqualTo("rollout/" + JOB + "/device/dev-1");
    assertThat(third).isEqualTo("rollout/" + JOB + "/device/dev-1/attempt/3");
    assertThat(UpdateKeys.parse(first))
        .contains(new UpdateKeys.Parsed(UUID.fromString(JOB), "dev-1", 1));
    assertThat(UpdateKeys.parse(third))
        .contains(new UpdateKeys.Parsed(UUID.fromString(JOB), "dev-1", 3));
    assertThat(new DeviceUpdateRequest(JOB, "dev-1", 2, "1.0.0", true).key())
        .as("a rollback keeps its own key")
        .isEqualTo("rollout/" + JOB + "/rollback/dev-1");
  }

  @Test
  void malformedKeysAreNotUpdates() {
    String base = "rollout/" + JOB + "/device/dev-1";
    for (String key :
        new String[] {
          null,
          "",
          base + "/attempt/1",
          base + "/attempt/0",
          base + "/attempt/01",
          base + "/attempt/-2",
          base + "/attempt/9999999999",
          base + "/attempt/",
          "rollout/not-a-uuid-at-all-not-a-uuid-at-al/device/dev-1",
          "rollout/" + JOB + "/device/dev 1"
        }) {
      assertThat(UpdateKeys.parse(key)).as(String.valueOf(key)).isEmpty();
    }
  }
}
