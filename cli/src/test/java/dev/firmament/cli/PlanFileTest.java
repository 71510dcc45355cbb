package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code rollouts create -f}: a YAML or JSON file of createOTAJob's input fields. */
class PlanFileTest {
  @TempDir Path dir;

  @Test
  void aYamlPlanReadsAsTheSameFieldsAsItsJson() throws IOException {
    Path yaml = dir.resolve("plan.yaml");
    Files.writeString(
        yaml,
        """
        # a staged rollout
        productId: p1
        targetVersion: "2.0"
        maxInFlight: 50
        requireApproval: false
        gate: {maxFailureRate: 0.05, minimumSample: 20, onBreach: PAUSE}
        stages:
          - name: canary
            group: canaries
            soakSeconds: 600
          - {name: rest, percent: 100}
        startAt: 2026-12-24T02:00:00Z
        """);
    Path json = dir.resolve("plan.json");
    Files.writeString(
        json,
        """
        {"productId": "p1", "targetVersion": "2.0", "maxInFlight": 50, "requireApproval": false,
         "gate": {"maxFailureRate": 0.05, "minimumSample": 20, "onBreach": "PAUSE"},
         "stages": [{"name": "canary", "group": "canaries", "soakSeconds": 600},
                    {"name": "rest", "percent": 100}],
         "startAt": "2026-12-24T02:00:00Z"}
        """);
    Map<String, Object> fromYaml = PlanFile.read(yaml);
    assertThat(fromYaml)
        .containsEntry("targetVersion", "2.0")
        .containsEntry("maxInFlight", 50)
        .containsEntry("requireApproval", false)
        // A timestamp stays the text the API parses, not a date.
        .containsEntry("startAt", "2026-12-24T02:00:00Z")
        .containsEntry(
            "stages",
            List.of(
                Map.of("name", "canary", "group", "canaries", "soakSeconds", 600),
                Map.of("name", "rest", "percent", 100)));
    JsonNode yamlTree = JsonOutput.JSON.valueToTree(fromYaml);
    JsonNode jsonTree = JsonOutput.JSON.valueToTree(PlanFile.read(json));
    assertThat(yamlTree).isEqualTo(jsonTree);
  }

  @Test
  void theYmlExtensionIsYamlToo() throws IOException {
    Path yml = dir.resolve("PLAN.YML");
    Files.writeString(yml, "productId: p1\ntargetVersion: 1.2.3\n");
    assertThat(PlanFile.read(yml)).containsEntry("targetVersion", "1.2.3");
  }

  @Test
  void aFileThatIsNoMappingOrNoYamlSaysSo() throws IOException {
    Path list = dir.resolve("list.yaml");
    Files.writeString(list, "- a\n- b\n");
    assertThatThrownBy(() -> PlanFile.read(list)).hasMessageContaining("YAML mapping");
    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, "stages: [unclosed\n");
    assertThatThrownBy(() -> PlanFile.read(broken)).hasMessageStartingWith("not valid YAML");
    Path twice = dir.resolve("twice.yaml");
    Files.writeString(twice, "productId: a\nproductId: b\n");
    assertThatThrownBy(() -> PlanFile.read(twice)).hasMessageContaining("duplicate");
    Path array = dir.resolve("plan.json");
    Files.writeString(array, "[1]");
    assertThatThrownBy(() -> PlanFile.read(array)).hasMessageContaining("JSON object");
  }

  @Test
  void yamlTagsThatBuildObjectsAreRefused() throws IOException {
    Path evil = dir.resolve("evil.yaml");
    Files.writeString(evil, "productId: !!java.io.File /etc/passwd\n");
    assertThatThrownBy(() -> PlanFile.read(evil)).isInstanceOf(IllegalArgumentException.class);
  }
}
