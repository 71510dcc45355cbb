package dev.firmament.api.security;

import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.ErrorResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards the Prometheus endpoint: the fleet's numbers span every organization, so they are not
 * served on an API token. A scraper sends {@code Authorization: Bearer <firmament.metrics.token>};
 * without a configured token the endpoint answers 401 unless {@code firmament.metrics.open} says it
 * may be read by anyone who reaches it (the development server, which listens on loopback).
 */
final class MetricsTokenFilter extends OncePerRequestFilter {
  private final byte[] expected;
  private final boolean open;

  MetricsTokenFilter(String token, boolean open) {
    this.expected =
        token == null || token.isBlank()
            ? null
            : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    this.open = open;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (expected == null) {
      if (open) {
        chain.doFilter(request, response);
      } else {
        ErrorResponses.write(
            response,
            ErrorCode.UNAUTHENTICATED,
            "metrics are served only with a scrape token: set firmament.metrics.token and send it"
                + " as Authorization: Bearer <token>");
      }
      return;
    }
    String given = request.getHeader("Authorization");
    if (given != null && MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
      chain.doFilter(request, response);
      return;
    }
    ErrorResponses.write(
        response,
        ErrorCode.UNAUTHENTICATED,
        "the metrics token is required (Authorization: Bearer <firmament.metrics.token>)");
  }
}
