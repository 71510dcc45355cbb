package dev.firmament.api.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bucket4j.TimeMeter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;

/** The bucket's edges on a clock the test moves: the burst, the refill and Retry-After. */
class RateLimitFilterTest {
  private long now = TimeUnit.HOURS.toNanos(1);
  private final TimeMeter clock =
      new TimeMeter() {
        @Override
        public long currentTimeNanos() {
          return now;
        }

        @Override
        public boolean isWallClockBased() {
          return false;
        }
      };
  private final RateLimitFilter filter =
      new RateLimitFilter(new RateLimitProperties(2, 3, 1000), clock);

  @AfterEach
  void clearCaller() {
    SecurityContextHolder.clearContext();
  }

  private MockHttpServletResponse request(String principal) throws Exception {
    SecurityContextHolder.clearContext();
    if (principal != null) {
      SecurityContextHolder.getContext()
          .setAuthentication(new TestingAuthenticationToken(principal, null, "scope"));
    }
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/graphql");
    request.setRemoteAddr("192.0.2.7");
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(request, response, new MockFilterChain());
    return response;
  }

  private static void assertLimited(MockHttpServletResponse response, String retryAfter)
      throws Exception {
    assertThat(response.getStatus()).isEqualTo(429);
    assertThat(response.getHeader("Retry-After")).isEqualTo(retryAfter);
    assertThat(response.getContentType()).startsWith("application/json");
    assertThat(response.getContentAsString()).startsWith("{\"code\":\"RATE_LIMITED\",\"message\":");
  }

  @Test
  void exactlyTheBurstPassesAndTheNextIsRefused() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(request("alice").getStatus()).isEqualTo(200);
    }
    // Two per second: the next token is half a second away, announced as one whole second.
    assertLimited(request("alice"), "1");
  }

  @Test
  void theBucketRefillsAtTheConfiguredRate() throws Exception {
    for (int i = 0; i < 3; i++) {
      request("alice");
    }
    now += TimeUnit.MILLISECONDS.toNanos(499);
    assertLimited(request("alice"), "1");
    now += TimeUnit.MILLISECONDS.toNanos(1);
    assertThat(request("alice").getStatus()).isEqualTo(200);
    assertLimited(request("alice"), "1");
  }

  @Test
  void eachCallerHasItsOwnBucket() throws Exception {
    for (int i = 0; i < 3; i++) {
      request("alice");
    }
    assertLimited(request("alice"), "1");
    assertThat(request("bob").getStatus()).isEqualTo(200);
    // Without a credential the client address is the caller, apart from every principal.
    assertThat(request(null).getStatus()).isEqualTo(200);
  }

  @Test
  void retryAfterRoundsTheWaitUpToWholeSeconds() throws Exception {
    RateLimitFilter slow = new RateLimitFilter(new RateLimitProperties(1, 1, 1000), clock);
    SecurityContextHolder.getContext()
        .setAuthentication(new TestingAuthenticationToken("carol", null, "scope"));
    MockHttpServletResponse first = new MockHttpServletResponse();
    slow.doFilter(new MockHttpServletRequest(), first, new MockFilterChain());
    now += TimeUnit.MILLISECONDS.toNanos(1);
    MockHttpServletResponse second = new MockHttpServletResponse();
    slow.doFilter(new MockHttpServletRequest(), second, new MockFilterChain());

    assertThat(first.getStatus()).isEqualTo(200);
    assertLimited(second, "1");
  }
}
