package dev.firmament.integrations;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a webhook may send: the check against server-side request forgery, made when a webhook is
 * created or changed and again before every delivery (a name may resolve elsewhere by then; the
 * delivery connects to the addresses checked). A target is an absolute {@code https} URL (or {@code
 * http} to an address an administrator allowed) without user information, of at most {@value
 * #MAX_URL_LENGTH} characters, whose host resolves only to public unicast addresses: loopback,
 * link-local, private (RFC 1918, unique local IPv6), carrier-grade NAT, multicast, unspecified,
 * broadcast, reserved, benchmarking and documentation ranges are refused, also when an IPv6 address
 * embeds one (IPv4-mapped, IPv4-compatible, NAT64), unless the address lies in a range the
 * administrator allowed ({@code firmament.webhooks.allowed-ranges}; the tests and the demo allow
 * loopback).
 */
public final class WebhookTargets {
  public static final int MAX_URL_LENGTH = 2048;

  /** Resolves a host to its addresses ({@link InetAddress#getAllByName} in production). */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** A refused target, with why; the message is fit to show the webhook's owner. */
  public static final class RefusedTarget extends IllegalArgumentException {
    public RefusedTarget(String message) {
      super(message);
    }
  }

  /** A target that passed: the URL and the addresses a delivery may connect to. */
  public record Checked(URI uri, List<InetAddress> addresses) {
    public Checked {
      addresses = List.copyOf(addresses);
    }
  }

  /** An address range, {@code address/prefix}. */
  public record Range(byte[] network, int prefix) {
    public Range {
      network = network.clone();
      if (network.length != 4 && network.length != 16) {
        throw new IllegalArgumentException("an address has 4 or 16 bytes");
      }
      if (prefix < 0 || prefix > network.length * 8) {
        throw new IllegalArgumentException("prefix out of range: " + prefix);
      }
    }

    /**
     * Parses {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is its own range.
     *
     * @throws IllegalArgumentException if it is not an address range
     */
    public static Range parse(String text) {
      String t = Objects.requireNonNull(text, "range").strip();
      int slash = t.indexOf('/');
      String address = slash < 0 ? t : t.substring(0, slash);
      if (address.isEmpty() || !(address.contains(":") || address.matches("[0-9.]+"))) {
        throw new IllegalArgumentException("not an address range: " + text);
      }
      byte[] bytes;
      try {
        // A literal is parsed without any lookup.
        bytes = InetAddress.getByName(address).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an address range: " + text);
      }
      int prefix;
      try {
        prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not an address range: " + text);
      }
      return new Range(bytes, prefix);
    }

    /** Parses a comma-separated list; blank is none. */
    public static List<Range> parseAll(String text) {
      List<Range> ranges = new ArrayList<>();
      if (text == null || text.isBlank()) {
        return ranges;
      }
      for (String part : text.split(",")) {
        if (!part.isBlank()) {
          ranges.add(parse(part));
        }
      }
      return ranges;
    }

    public boolean contains(InetAddress address) {
      byte[] a = address.getAddress();
      if (a.length != network.length) {
        return false;
      }
      int full = prefix / 8;
      for (int i = 0; i < full; i++) {
        if (a[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (a[full] & mask) == (network[full] & mask);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Range r && r.prefix == prefix && Arrays.equals(r.network, network);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(network) + prefix;
    }

    @Override
    public String toString() {
      try {
        return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** IPv4 ranges that are not public unicast, with what they are. */
  private static final List<Object[]> IPV4_REFUSED =
      List.of(
          new Object[] {Range.parse("0.0.0.0/8"), "this network"},
          new Object[] {Range.parse("10.0.0.0/8"), "private"},
          new Object[] {Range.parse("100.64.0.0/10"), "carrier-grade NAT"},
          new Object[] {Range.parse("127.0.0.0/8"), "loopback"},
          new Object[] {Range.parse("169.254.0.0/16"), "link-local"},
          new Object[] {Range.parse("172.16.0.0/12"), "private"},
          new Object[] {Range.parse("192.0.0.0/24"), "protocol assignments"},
          new Object[] {Range.parse("192.0.2.0/24"), "documentation"},
          new Object[] {Range.parse("192.168.0.0/16"), "private"},
          new Object[] {Range.parse("198.18.0.0/15"), "benchmarking"},
          new Object[] {Range.parse("198.51.100.0/24"), "documentation"},
          new Object[] {Range.parse("203.0.113.0/24"), "documentation"},
          new Object[] {Range.parse("224.0.0.0/4"), "multicast"},
          new Object[] {Range.parse("240.0.0.0/4"), "reserved"});

  /** IPv6 ranges that are not public unicast (embedded IPv4 is checked on its own). */
  private static final List<Object[]> IPV6_REFUSED =
      List.of(
          new Object[] {Range.parse("::/128"), "unspecified"},
          new Object[] {Range.parse("::1/128"), "loopback"},
          new Object[] {Range.parse("100::/64"), "discard"},
          new Object[] {Range.parse("2001:db8::/32"), "documentation"},
          new Object[] {Range.parse("fc00::/7"), "private"},
          new Object[] {Range.parse("fe80::/10"), "link-local"},
          new Object[] {Range.parse("fec0::/10"), "site-local"},
          new Object[] {Range.parse("ff00::/8"), "multicast"});

  private static final Range NAT64 = Range.parse("64:ff9b::/96");

  private WebhookTargets() {}

  /**
   * Checks a target URL.
   *
   * @param allowed ranges an administrator allowed although they are not public
   * @throws RefusedTarget with the reason, if it may not be a webhook's target
   */
  public static Checked check(String url, List<Range> allowed, Resolver resolver) {
    if (url == null || url.isBlank()) {
      throw new RefusedTarget("the url is required");
    }
    if (url.length() > MAX_URL_LENGTH) {
      throw new RefusedTarget("the url may have at most " + MAX_URL_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new RefusedTarget("not a url: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new RefusedTarget("the url must be https (or http to an allowed range), was " + url);
    }
    if (uri.getRawUserInfo() != null) {
      throw new RefusedTarget("the url may not carry a user or password");
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new RefusedTarget("the url has no host: " + url);
    }
    if (uri.getPort() == 0 || uri.getPort() > 65_535) {
      throw new RefusedTarget("the url's port is out of range: " + uri.getPort());
    }
    InetAddress[] addresses;
    try {
      addresses =
          resolver.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
    } catch (UnknownHostException e) {
      throw new RefusedTarget("the host " + host + " does not resolve");
    }
    if (addresses == null || addresses.length == 0) {
      throw new RefusedTarget("the host " + host + " does not resolve");
    }
    boolean allAllowed = true;
    for (InetAddress address : addresses) {
      boolean inAllowed = allowed.stream().anyMatch(r -> r.contains(address));
      allAllowed &= inAllowed;
      String refused = inAllowed ? null : refusedKind(address);
      if (refused != null) {
        throw new RefusedTarget(
            "the host "
                + host
                + " resolves to "
                + address.getHostAddress()
                + ", a "
                + refused
                + " address, which webhooks may not reach");
      }
    }
    if (scheme.equals("http") && !allAllowed) {
      throw new RefusedTarget("the url must be https outside the allowed ranges: " + url);
    }
    return new Checked(uri, Arrays.asList(addresses));
  }

  /** What kind of non-public address it is, or null for a public unicast one. */
  static String refusedKind(InetAddress address) {
    if (address instanceof Inet4Address) {
      if (address.getAddress()[0] == (byte) 255
          && Arrays.equals(
              address.getAddress(), new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255})) {
        return "broadcast";
      }
      return kindIn(IPV4_REFUSED, address);
    }
    byte[] a = address.getAddress();
    InetAddress embedded = embeddedIpv4(a);
    if (embedded != null) {
      String kind = refusedKind(embedded);
      return kind == null ? null : kind + " (embedded IPv4)";
    }
    if (address instanceof Inet6Address) {
      return kindIn(IPV6_REFUSED, address);
    }
    return "unknown";
  }

  private static String kindIn(List<Object[]> ranges, InetAddress address) {
    for (Object[] r : ranges) {
      if (((Range) r[0]).contains(address)) {
        return (String) r[1];
      }
    }
    return null;
  }

  /**
   * The IPv4 address an IPv6 one carries (IPv4-compatible {@code ::a.b.c.d} or NAT64 {@code
   * 64:ff9b::a.b.c.d}), or null. IPv4-mapped addresses ({@code ::ffff:a.b.c.d}) need no case: the
   * JDK gives them as IPv4 addresses already.
   */
  private static InetAddress embeddedIpv4(byte[] a) {
    boolean zeros96 = true;
    for (int i = 0; i < 12; i++) {
      zeros96 &= a[i] == 0;
    }
    // :: and ::1 are the unspecified and loopback addresses, not IPv4-compatible ones.
    boolean compatible =
        zeros96 && !(a[12] == 0 && a[13] == 0 && a[14] == 0 && (a[15] == 0 || a[15] == 1));
    try {
      if (!compatible && !NAT64.contains(InetAddress.getByAddress(a))) {
        return null;
      }
      return InetAddress.getByAddress(Arrays.copyOfRange(a, 12, 16));
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
