package dev.firmament.integrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.integrations.WebhookTargets.Range;
import dev.firmament.integrations.WebhookTargets.RefusedTarget;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The check against server-side request forgery, on a resolver the test controls. */
class WebhookTargetsTest {
  private static final Map<String, String> DNS =
      Map.of(
          "hooks.example.com", "93.184.216.34",
          "inside.example.com", "10.1.2.3",
          "sneaky.example.com", "::ffff:169.254.169.254",
          "v6.example.com", "2606:4700::1111",
          "local.example.com", "127.0.0.1");

  private static InetAddress[] resolve(String host) throws UnknownHostException {
    String address = DNS.containsKey(host) ? DNS.get(host) : literal(host);
    return new InetAddress[] {InetAddress.getByName(address)};
  }

  private static String literal(String host) throws UnknownHostException {
    if (host.matches("[0-9.]+") || host.contains(":")) {
      return host;
    }
    throw new UnknownHostException(host);
  }

  private static WebhookTargets.Checked check(String url, String allowed) {
    return WebhookTargets.check(url, Range.parseAll(allowed), WebhookTargetsTest::resolve);
  }

  @Test
  void aPublicHttpsTargetPassesWithTheAddressesToConnectTo() throws Exception {
    var checked = check("https://hooks.example.com:8443/firmament?x=1", "");
    assertThat(checked.uri().getHost()).isEqualTo("hooks.example.com");
    assertThat(checked.addresses()).containsExactly(InetAddress.getByName("93.184.216.34"));
    assertThat(check("https://v6.example.com/", null).addresses()).hasSize(1);
    assertThat(check("https://[2606:4700::1111]/hook", "").uri().getPort()).isEqualTo(-1);
  }

  @Test
  void privateAndSpecialAddressesAreRefusedWithWhatTheyAre() {
    Map<String, String> refused =
        Map.ofEntries(
            Map.entry("https://local.example.com/", "loopback"),
            Map.entry("https://inside.example.com/", "private"),
            Map.entry("https://sneaky.example.com/", "link-local"),
            Map.entry("https://127.0.0.2/", "loopback"),
            Map.entry("https://0.0.0.0/", "this network"),
            Map.entry("https://172.16.0.1/", "private"),
            Map.entry("https://172.31.255.255/", "private"),
            Map.entry("https://192.168.1.1/", "private"),
            Map.entry("https://100.64.0.1/", "carrier-grade NAT"),
            Map.entry("https://169.254.169.254/latest/meta-data", "link-local"),
            Map.entry("https://224.0.0.1/", "multicast"),
            Map.entry("https://255.255.255.255/", "broadcast"),
            Map.entry("https://240.0.0.1/", "reserved"),
            Map.entry("https://198.18.0.1/", "benchmarking"),
            Map.entry("https://192.0.2.1/", "documentation"),
            Map.entry("https://[::1]/", "loopback"),
            Map.entry("https://[::]/", "unspecified"),
            Map.entry("https://[fd00::1]/", "private"),
            Map.entry("https://[fe80::1]/", "link-local"),
            Map.entry("https://[ff02::1]/", "multicast"),
            Map.entry("https://[2001:db8::1]/", "documentation"),
            Map.entry("https://[64:ff9b::a00:1]/", "private (embedded IPv4)"),
            Map.entry("https://[::10.0.0.1]/", "private (embedded IPv4)"));
    refused.forEach(
        (url, kind) ->
            assertThatThrownBy(() -> check(url, ""))
                .as(url)
                .isInstanceOf(RefusedTarget.class)
                .hasMessageContaining("a " + kind + " address"));
    // Just outside the private ranges is public.
    assertThat(check("https://172.32.0.1/", "").addresses()).hasSize(1);
    assertThat(check("https://100.128.0.1/", "").addresses()).hasSize(1);
    assertThat(check("https://11.0.0.1/", "").addresses()).hasSize(1);
  }

  @Test
  void anAdministratorMayAllowARangeAndHttpOnlyThere() {
    assertThat(check("http://127.0.0.1:9000/hook", "127.0.0.0/8, ::1/128").addresses()).hasSize(1);
    assertThat(check("http://local.example.com:9000/hook", "127.0.0.1").addresses()).hasSize(1);
    assertThatThrownBy(() -> check("http://127.0.0.1:9000/hook", "10.0.0.0/8"))
        .hasMessageContaining("loopback");
    assertThatThrownBy(() -> check("http://hooks.example.com/", "127.0.0.0/8"))
        .hasMessageContaining("must be https");
  }

  @Test
  void malformedTargetsAreRefusedWithTheReason() {
    Map<String, String> refused =
        Map.of(
            "",
            "required",
            "ftp://hooks.example.com/",
            "must be https",
            "hooks.example.com/path",
            "must be https",
            "https://user:pw@hooks.example.com/",
            "user or password",
            "https:///path",
            "no host",
            "https://hooks.example.com:0/",
            "port",
            "https://nowhere.example.com/",
            "does not resolve",
            "https://hooks.example.com/ a b",
            "not a url",
            "https://hooks.example.com/" + "a".repeat(WebhookTargets.MAX_URL_LENGTH),
            "at most");
    refused.forEach(
        (url, reason) ->
            assertThatThrownBy(() -> check(url, ""))
                .as(url)
                .isInstanceOf(RefusedTarget.class)
                .hasMessageContaining(reason));
    assertThatThrownBy(() -> check(null, "")).hasMessageContaining("required");
    // The limits themselves are taken.
    String longest = "https://hooks.example.com/";
    longest += "a".repeat(WebhookTargets.MAX_URL_LENGTH - longest.length());
    assertThat(check(longest, "").uri().toString()).hasSize(WebhookTargets.MAX_URL_LENGTH);
    assertThat(check("https://hooks.example.com:65535/", "").uri().getPort()).isEqualTo(65_535);
    assertThatThrownBy(() -> check("https://hooks.example.com:65536/", ""))
        .hasMessageContaining("port");
  }

  @Test
  void rangesParseAndMatchOnTheirPrefix() throws Exception {
    Range r = Range.parse("10.20.0.0/14");
    assertThat(r.contains(InetAddress.getByName("10.23.255.255"))).isTrue();
    assertThat(r.contains(InetAddress.getByName("10.24.0.0"))).isFalse();
    assertThat(r.contains(InetAddress.getByName("::1"))).isFalse();
    assertThat(Range.parse("0.0.0.0/0").contains(InetAddress.getByName("8.8.8.8"))).isTrue();
    assertThat(Range.parse("192.168.1.7").contains(InetAddress.getByName("192.168.1.7"))).isTrue();
    assertThat(Range.parse("192.168.1.7").contains(InetAddress.getByName("192.168.1.8"))).isFalse();
    assertThat(r.toString()).isEqualTo("10.20.0.0/14");
    assertThat(Range.parse(" 10.20.0.0/14 ")).isEqualTo(r).hasSameHashCodeAs(r);
    assertThat(Range.parse("10.20.0.0/15")).isNotEqualTo(r);
    assertThat(Range.parse("10.20.0.0/15").hashCode()).isNotEqualTo(r.hashCode());
    assertThat(Range.parse("10.21.0.0/14").hashCode()).isNotEqualTo(r.hashCode());
    assertThat(r).isNotEqualTo("10.20.0.0/14");
    assertThat(Range.parseAll("10.0.0.0/8,,::1/128")).hasSize(2);
    assertThat(Range.parseAll(" ")).isEmpty();
    for (String bad : List.of("10.0.0.0/33", "::1/129", "example.com/8", "10.0.0.0/x", "/8")) {
      assertThatThrownBy(() -> Range.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
