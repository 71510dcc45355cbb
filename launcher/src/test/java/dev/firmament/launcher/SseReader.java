package dev.firmament.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A minimal client of the API's Server-Sent Events endpoint, for the end-to-end tests. */
final class SseReader {
  private SseReader() {}

  /**
   * Reads {@code count} events of the endpoint at {@code path} (resolved against the API's URL),
   * after {@code lastEventId} when given: the name, id and data of each.
   */
  static List<String[]> read(
      String apiUrl, String token, String path, String lastEventId, int count) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(apiUrl).resolve(path))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream")
            .timeout(Duration.ofSeconds(30))
            .GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    List<String[]> events = new ArrayList<>();
    var response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    try (var lines = response.body()) {
      var it = lines.iterator();
      String name = null;
      String id = null;
      while (events.size() < count && it.hasNext()) {
        String line = it.next();
        if (line.startsWith("event:")) {
          name = line.substring("event:".length()).trim();
        } else if (line.startsWith("id:")) {
          id = line.substring("id:".length()).trim();
        } else if (line.startsWith("data:")) {
          events.add(new String[] {name, id, line.substring("data:".length())});
        }
      }
    }
    return events;
  }
}
