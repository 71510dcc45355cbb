package dev.firmament.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.api.caller.Role;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/**
 * The rate limit through the whole filter chain, in a context of its own with a small bucket: a
 * credential that exhausts its burst gets 429 with {@code Retry-After}, another one is not held
 * back, and a refused credential is answered by the security chain before it counts.
 */
@TestPropertySource(
    properties = {
      "firmament.api.rate-limit.requests-per-second=1",
      "firmament.api.rate-limit.burst=5"
    })
class RateLimitTest extends ApiIntegrationTest {
  private static final String QUERY = "{\"query\":\"{ login { organization { slug } } }\"}";

  @Autowired MockMvcTester mvc;

  private MockHttpServletResponse post(String token) {
    return mvc.post()
        .uri("/graphql")
        .header("Authorization", "Bearer " + token)
        .contentType(MediaType.APPLICATION_JSON)
        .content(QUERY)
        .exchange()
        .getResponse();
  }

  @Test
  void aCredentialOverItsBurstIsRefusedAndAnotherIsNot() throws Exception {
    String first = tokenFor(unique("rate"), Role.OPERATOR);
    String second = tokenFor(unique("rate"), Role.OPERATOR);

    // A full bucket lets the whole burst through at once.
    for (int i = 0; i < 5; i++) {
      assertThat(post(first).getStatus()).as("request %d", i + 1).isEqualTo(200);
    }
    // It refills at one request per second, so a few more may pass while the loop runs; then the
    // credential is held back.
    MockHttpServletResponse limited = null;
    for (int i = 0; i < 20 && limited == null; i++) {
      MockHttpServletResponse response = post(first);
      if (response.getStatus() == 429) {
        limited = response;
      } else {
        assertThat(response.getStatus()).isEqualTo(200);
      }
    }
    assertThat(limited).as("the sixth to 25th requests were all let through").isNotNull();
    assertThat(limited.getHeader("Retry-After")).isEqualTo("1");
    assertThat(limited.getContentType()).startsWith(MediaType.APPLICATION_JSON_VALUE);
    assertThat(limited.getContentAsString())
        .startsWith("{\"code\":\"RATE_LIMITED\",\"message\":\"too many requests");

    assertThat(post(second).getStatus()).isEqualTo(200);
    assertThat(post("fmt_unknown").getStatus()).isEqualTo(401);
  }
}
