package dev.firmament.integrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing as the Standard Webhooks specification says, checked against the specification's own
 * JavaScript library (the official {@code standardwebhooks} npm package, run with Debian's node) in
 * both directions, and against what a receiver must refuse.
 */
class StandardWebhooksTest {
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final Instant AT = Instant.ofEpochSecond(1_614_265_330);
  private static final String BODY = "{\"test\": 2432232314}";

  @Test
  void aSignatureIsV1AndTheBase64HmacOfIdTimestampAndBody() throws Exception {
    String signature = StandardWebhooks.sign(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", AT, BODY);
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(
            Base64.getDecoder().decode(SECRET.substring(6)), "HmacSHA256"));
    String expected =
        "v1,"
            + Base64.getEncoder()
                .encodeToString(
                    mac.doFinal(
                        ("msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330." + BODY)
                            .getBytes(StandardCharsets.UTF_8)));
    assertThat(signature).isEqualTo(expected);
    Map<String, String> headers =
        StandardWebhooks.headers(SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", AT, BODY);
    assertThat(headers)
        .containsExactly(
            Map.entry("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            Map.entry("webhook-timestamp", "1614265330"),
            Map.entry("webhook-signature", expected));
  }

  @Test
  void aReceiverAcceptsOnlyTheRightSignatureOnTheRightMessageInTime() {
    String id = "msg_1";
    String signature = StandardWebhooks.sign(SECRET, id, AT, BODY);
    String ts = Long.toString(AT.getEpochSecond());
    assertThat(StandardWebhooks.verify(SECRET, id, ts, signature, BODY, AT)).isTrue();
    // Several signatures (a rotated secret): one right one is enough.
    assertThat(
            StandardWebhooks.verify(
                SECRET, id, ts, "v1,AAAA v2,xyz " + signature, BODY, AT.plusSeconds(300)))
        .isTrue();
    // Tampered body, id or time; another secret; too old or too far ahead; not v1; garbage.
    assertThat(StandardWebhooks.verify(SECRET, id, ts, signature, BODY + " ", AT)).isFalse();
    assertThat(StandardWebhooks.verify(SECRET, "msg_2", ts, signature, BODY, AT)).isFalse();
    assertThat(
            StandardWebhooks.verify(
                SECRET, id, Long.toString(AT.getEpochSecond() + 1), signature, BODY, AT))
        .isFalse();
    assertThat(StandardWebhooks.verify(StandardWebhooks.newSecret(), id, ts, signature, BODY, AT))
        .isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, ts, signature, BODY, AT.plusSeconds(301)))
        .isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, ts, signature, BODY, AT.minusSeconds(301)))
        .isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, ts, signature.replace("v1,", "v2,"), BODY, AT))
        .isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, "soon", signature, BODY, AT)).isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, ts, "v1,not base64!", BODY, AT)).isFalse();
    assertThat(StandardWebhooks.verify(SECRET, null, ts, signature, BODY, AT)).isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, null, signature, BODY, AT)).isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, ts, null, BODY, AT)).isFalse();
    assertThat(StandardWebhooks.verify(SECRET, id, ts, signature, null, AT)).isFalse();
  }

  @Test
  void secretsAreShownOnceAsWhsecAndBadOnesAreRefused() {
    String secret = StandardWebhooks.newSecret();
    assertThat(secret).startsWith("whsec_");
    assertThat(StandardWebhooks.key(secret)).hasSize(StandardWebhooks.SECRET_BYTES);
    assertThat(StandardWebhooks.newSecret()).isNotEqualTo(secret);
    assertThat(StandardWebhooks.key("whsec_" + Base64.getEncoder().encodeToString(new byte[24])))
        .hasSize(24);
    assertThat(StandardWebhooks.key("whsec_" + Base64.getEncoder().encodeToString(new byte[64])))
        .hasSize(64);
    for (String bad :
        List.of(
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_not base64!",
            "whsec_" + Base64.getEncoder().encodeToString(new byte[23]),
            "whsec_" + Base64.getEncoder().encodeToString(new byte[65]))) {
      assertThatThrownBy(() -> StandardWebhooks.key(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("webhook secret");
    }
    assertThatThrownBy(() -> StandardWebhooks.sign(SECRET, "bad id", AT, BODY))
        .hasMessageContaining("message id");
    assertThatThrownBy(() -> StandardWebhooks.sign(SECRET, "x".repeat(129), AT, BODY))
        .hasMessageContaining("message id");
  }

  @Test
  void theSpecificationsOwnLibraryVerifiesOurSignaturesAndWeVerifyItsOnes(@TempDir Path dir)
      throws Exception {
    Assumptions.assumeTrue(
        run(dir, 30, "node", "--version") == 0 && run(dir, 30, "npm", "--version") == 0,
        "skipped: node and npm are needed to run the specification's library");
    Assumptions.assumeTrue(
        run(
                dir,
                120,
                "npm",
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "standardwebhooks@1.0.0")
            == 0,
        "skipped: the standardwebhooks npm package could not be installed");
    String secret = StandardWebhooks.newSecret();
    Instant now = Instant.now();
    String body = "{\"name\":\"firmament/ota/result\",\"data\":\"é\"}";
    Map<String, String> ours = StandardWebhooks.headers(secret, "msg_ours", now, body);
    Path script = dir.resolve("check.js");
    Files.writeString(
        script,
        """
        const { Webhook } = require("standardwebhooks");
        const [secret, id, ts, sig, body, signId] = process.argv.slice(2);
        const wh = new Webhook(secret);
        wh.verify(body, { "webhook-id": id, "webhook-timestamp": ts, "webhook-signature": sig });
        const theirs = wh.sign(signId, new Date(Number(ts) * 1000), body);
        process.stdout.write(theirs);
        """);
    ProcessBuilder node =
        new ProcessBuilder(
                "node",
                script.toString(),
                secret,
                ours.get("webhook-id"),
                ours.get("webhook-timestamp"),
                ours.get("webhook-signature"),
                body,
                "msg_theirs")
            .directory(dir.toFile())
            .redirectErrorStream(true);
    Process p = node.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("the library refused our signature: " + out).isZero();
    // And its signature is ours, and ours verifies it.
    assertThat(out).isEqualTo(StandardWebhooks.sign(secret, "msg_theirs", now, body));
    assertThat(
            StandardWebhooks.verify(
                secret, "msg_theirs", ours.get("webhook-timestamp"), out, body, now))
        .isTrue();
    // A tampered body is refused by the library too.
    Process tampered =
        new ProcessBuilder(
                "node",
                script.toString(),
                secret,
                ours.get("webhook-id"),
                ours.get("webhook-timestamp"),
                ours.get("webhook-signature"),
                body + " ",
                "msg_x")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    tampered.getInputStream().readAllBytes();
    assertThat(tampered.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(tampered.exitValue()).isNotZero();
  }

  private static int run(Path dir, int seconds, String... command) {
    try {
      Process p =
          new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
