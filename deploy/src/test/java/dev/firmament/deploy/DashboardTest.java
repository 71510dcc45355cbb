package dev.firmament.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Grafana dashboard in {@code grafana/}: it parses, every panel queries something, and every
 * series it queries is one {@code docs/observability.md} documents (whose series the scrape tests
 * check against a running server).
 */
class DashboardTest {
  private static final Pattern SERIES = Pattern.compile("\\b((?:firmament|temporal)_[a-z0-9_]+)");

  @Test
  @SuppressWarnings("unchecked")
  void everySeriesTheDashboardQueriesIsDocumented() {
    Path deploy = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    Map<String, Object> dashboard =
        new Yaml().load(Settings.read(deploy.resolve("grafana/firmament.json")));
    String docs = Settings.read(deploy.resolve("../docs/observability.md"));

    List<Map<String, Object>> panels = (List<Map<String, Object>>) dashboard.get("panels");
    assertThat(panels).hasSizeGreaterThanOrEqualTo(8);
    Set<String> queried = new TreeSet<>();
    List<String> undocumented = new ArrayList<>();
    for (Map<String, Object> panel : panels) {
      List<Map<String, Object>> targets = (List<Map<String, Object>>) panel.get("targets");
      assertThat(targets).as((String) panel.get("title")).isNotEmpty();
      for (Map<String, Object> target : targets) {
        Matcher m = SERIES.matcher((String) target.get("expr"));
        while (m.find()) {
          String series = m.group(1).replaceAll("_(sum|count|bucket|max)$", "");
          queried.add(series);
          if (!docs.contains("`" + series + "`")) {
            undocumented.add(series);
          }
        }
      }
    }
    assertThat(queried)
        .contains(
            "firmament_rollouts",
            "firmament_rollout_stage_devices",
            "firmament_rollout_stage_failure_rate",
            "firmament_ota_bytes_sent_bytes",
            "firmament_gateway_bytes_in_flight_bytes",
            "firmament_webhook_backlog");
    assertThat(undocumented).isEmpty();
  }
}
