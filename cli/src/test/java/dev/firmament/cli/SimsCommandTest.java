package dev.firmament.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code firmament sims import} against a stub of the import endpoint on loopback, answering as the
 * API does (SimsTest checks the real endpoint's answers): starting the whole dev stack to check a
 * report's format and exit code would take a minute per run.
 */
class SimsCommandTest {
  @TempDir Path temp;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final AtomicReference<String> received = new AtomicReference<>();
  private final AtomicReference<String> headers = new AtomicReference<>();
  private HttpServer server;
  private volatile int status;
  private volatile String answer;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/api/v1/sims/import",
        exchange -> {
          received.set(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          headers.set(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Content-Type")
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] body = answer.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private int sims(String... args) {
    return FirmamentCli.run(
        List.of(args),
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private int simsWithToken(String... args) {
    return SimsCommand.run(
        List.of(args),
        Map.of("FIRMAMENT_TOKEN", "fmt_env"),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
  }

  @Test
  void sendsTheFileAsItIsAndReportsTheCount() throws IOException {
    Path file = temp.resolve("sims.csv");
    String csv = "iccid,imsi,carrier,monthly_cap_bytes,overage_policy\r\n1,2,3,4,BLOCK\r\n";
    Files.writeString(file, csv);
    status = 200;
    answer = "{\"imported\":1}";
    assertThat(sims("sims", "import", file.toString(), "--server", url(), "--token", "fmt_x"))
        .isEqualTo(0);
    assertThat(received.get()).isEqualTo(csv);
    assertThat(headers.get()).isEqualTo("POST text/csv; charset=utf-8 Bearer fmt_x");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("imported 1 SIM(s) from sims.csv\n");
  }

  @Test
  void printsEveryRefusedRowAndExitsNonZero() throws IOException {
    Path file = temp.resolve("bad.csv");
    Files.writeString(file, "x");
    status = 400;
    answer =
        "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"nothing was imported: 2 of 3 row(s)"
            + " refused\",\"rows\":[{\"line\":3,\"column\":\"iccid\",\"message\":\"the ICCID's"
            + " check digit (Luhn) does not match\"},{\"line\":5,\"column\":null,\"message\":\"the"
            + " row has 2 fields, the header 6\"}]}";
    assertThat(simsWithToken("import", file.toString(), "--server", url())).isEqualTo(3);
    assertThat(headers.get()).endsWith("Bearer fmt_env");
    assertThat(out.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "bad.csv:3, column iccid: the ICCID's check digit (Luhn) does not match\n"
                + "bad.csv:5: the row has 2 fields, the header 6\n"
                + "2 problem(s); nothing was imported\n");
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("refused (400 INVALID_ARGUMENT): nothing was imported");
  }

  @Test
  void withJsonTheServersAnswerIsPrintedAsItIsWithTheSameExitCodes() throws IOException {
    Path file = temp.resolve("bad.csv");
    Files.writeString(file, "x");
    status = 400;
    answer =
        "{\"code\":\"INVALID_ARGUMENT\",\"message\":\"nothing was imported\",\"rows\":"
            + "[{\"line\":3,\"column\":\"iccid\",\"message\":\"bad\"}]}";
    assertThat(simsWithToken("import", file.toString(), "--server", url(), "--json")).isEqualTo(3);
    assertThat(JsonOutput.JSON.readTree(out.toString(StandardCharsets.UTF_8)))
        .isEqualTo(JsonOutput.JSON.readTree(answer));
    out.reset();
    status = 200;
    answer = "{\"imported\":4}";
    assertThat(simsWithToken("import", file.toString(), "--server", url(), "--json")).isZero();
    assertThat(
            JsonOutput.JSON.readTree(out.toString(StandardCharsets.UTF_8)).path("imported").asInt())
        .isEqualTo(4);
  }

  @Test
  void aTooLargeFileOrAServerErrorIsNotSuccess() throws IOException {
    Path file = temp.resolve("big.csv");
    Files.writeString(file, "x");
    status = 413;
    answer = "{\"code\":\"TOO_LARGE\",\"message\":\"an import takes at most 2000000 characters\"}";
    assertThat(simsWithToken("import", file.toString(), "--server", url())).isEqualTo(3);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("TOO_LARGE");
    status = 500;
    answer = "{\"code\":\"INTERNAL\",\"message\":\"internal error\"}";
    assertThat(simsWithToken("import", file.toString(), "--server", url())).isEqualTo(1);
    status = 502;
    answer = "<html>bad gateway</html>";
    assertThat(simsWithToken("import", file.toString(), "--server", url())).isEqualTo(1);
  }

  @Test
  void usageErrors() throws IOException {
    Path file = temp.resolve("sims.csv");
    Files.writeString(file, "x");
    assertThat(
            SimsCommand.run(
                List.of("import", file.toString()),
                Map.of(),
                System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("token is required");
    assertThat(simsWithToken("import")).isEqualTo(2);
    assertThat(simsWithToken("export", file.toString())).isEqualTo(2);
    assertThat(simsWithToken("import", temp.resolve("missing.csv").toString())).isEqualTo(2);
    assertThat(simsWithToken("import", file.toString(), "--server")).isEqualTo(2);
    assertThat(simsWithToken("import", file.toString(), "--colour", "red")).isEqualTo(2);
    assertThat(simsWithToken("import", file.toString(), "--server", "http://127.0.0.1:1"))
        .isEqualTo(1);
  }
}
