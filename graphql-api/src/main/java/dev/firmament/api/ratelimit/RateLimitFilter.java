package dev.firmament.api.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.error.ErrorResponses;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A token bucket per caller: {@code burst} requests at once, refilled at {@code requestsPerSecond}.
 * It runs after the security chain, so the caller is the authenticated principal (a member's email,
 * {@code client:<id>}, {@code customer:<email>}): all tokens of one member share a bucket, and
 * minting more tokens buys no more requests. Requests the chain lets through without a credential
 * (GraphiQL's page, the health probe) are counted per client address. A refused request answers 429
 * with {@code Retry-After} in whole seconds and {@code RATE_LIMITED}.
 *
 * <p>Buckets live in a bounded Caffeine cache: a bucket left alone long enough to refill completely
 * is dropped (a new one starts full, so nothing changes for its caller), and above {@code
 * maxTrackedCallers} the least recently seen go first.
 */
public class RateLimitFilter extends OncePerRequestFilter {
  private final RateLimitProperties settings;
  private final TimeMeter clock;
  private final Cache<String, Bucket> buckets;

  public RateLimitFilter(RateLimitProperties settings) {
    this(settings, TimeMeter.SYSTEM_NANOTIME);
  }

  RateLimitFilter(RateLimitProperties settings, TimeMeter clock) {
    this.settings = settings;
    this.clock = clock;
    long refillNanos =
        Math.ceilDiv(TimeUnit.SECONDS.toNanos(settings.burst()), settings.requestsPerSecond());
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(settings.maxTrackedCallers())
            .expireAfterAccess(Duration.ofNanos(refillNanos).plusSeconds(1))
            .build();
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    ConsumptionProbe probe =
        buckets.get(callerKey(request), key -> newBucket()).tryConsumeAndReturnRemaining(1);
    if (probe.isConsumed()) {
      chain.doFilter(request, response);
      return;
    }
    long retryAfterSeconds =
        Math.max(1, Math.ceilDiv(probe.getNanosToWaitForRefill(), 1_000_000_000L));
    response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
    ErrorResponses.write(
        response,
        ErrorCode.RATE_LIMITED,
        "too many requests for this credential (at most "
            + settings.requestsPerSecond()
            + " per second, bursts of "
            + settings.burst()
            + "); retry after "
            + retryAfterSeconds
            + " s");
  }

  private Bucket newBucket() {
    return Bucket.builder()
        .addLimit(
            limit ->
                limit
                    .capacity(settings.burst())
                    .refillGreedy(settings.requestsPerSecond(), Duration.ofSeconds(1)))
        .withCustomTimePrecision(clock)
        .build();
  }

  private static String callerKey(HttpServletRequest request) {
    Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
    if (authentication != null
        && authentication.isAuthenticated()
        && !(authentication instanceof AnonymousAuthenticationToken)) {
      return "principal:" + authentication.getName();
    }
    return "address:" + request.getRemoteAddr();
  }
}
