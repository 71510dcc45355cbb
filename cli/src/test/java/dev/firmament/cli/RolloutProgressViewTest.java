package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The stage lines of {@code rollouts watch}. */
class RolloutProgressViewTest {

  private static JsonNode json(String text) throws Exception {
    return JsonOutput.JSON.readTree(text);
  }

  /** A stage whose recorded counters stood still at its last checkpoint. */
  private static final String STAGE =
      "{\"index\": 1, \"name\": \"wave\", \"kind\": \"UPDATE\", \"status\": \"RUNNING\","
          + " \"assigned\": 10, \"succeeded\": 2, \"skipped\": 0, \"failed\": 0, \"timedOut\": 0,"
          + " \"rejected\": 0, \"rolledBack\": 0, \"inFlight\": 3}";

  @Test
  void aStagesLineUsesTheLiveCountsFromTheResults() throws Exception {
    JsonNode event =
        json(
            "{\"progressByStage\": [{\"stage\": 0, \"progress\": {\"succeeded\": 5}},"
                + " {\"stage\": 1, \"progress\": {\"queued\": 0, \"inProgress\": 2,"
                + " \"succeeded\": 5, \"skipped\": 1, \"failed\": 1, \"timedOut\": 1}},"
                + " {\"stage\": null, \"progress\": {\"queued\": 7}}]}");
    JsonNode stage = json(STAGE);

    JsonNode live = RolloutProgressView.live(event, stage);

    assertThat(RolloutProgressView.stageLine(stage, live))
        .isEqualTo(
            "  stage 1 wave         RUNNING          [################----] 8/10"
                + "  succeeded 6  failed 2  in flight 2");
  }

  @Test
  void withoutLiveCountsTheStagesOwnCountersAreShown() throws Exception {
    JsonNode stage = json(STAGE);

    assertThat(RolloutProgressView.live(json("{}"), stage)).isNull();
    assertThat(RolloutProgressView.stageLine(stage, null))
        .isEqualTo(
            "  stage 1 wave         RUNNING          [####----------------] 2/10"
                + "  succeeded 2  failed 0  in flight 3");
    // A rollback stage has no live counts of its own: the results' stage is the update's.
    JsonNode rollback = json(STAGE.replace("\"UPDATE\"", "\"ROLLBACK\""));
    assertThat(
            RolloutProgressView.live(
                json("{\"progressByStage\": [{\"stage\": 1, \"progress\": {}}]}"), rollback))
        .isNull();
  }
}
