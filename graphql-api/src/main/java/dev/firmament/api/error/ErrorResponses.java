package dev.firmament.api.error;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.MediaType;

/**
 * Writes the REST error body {@code {code, message}} straight to a servlet response, for the
 * answers given by filters before any controller (and so {@link RestErrorHandler}) is reached: the
 * security chain's 401/403 and the rate limit's 429.
 */
public final class ErrorResponses {
  private ErrorResponses() {}

  public static void write(HttpServletResponse response, ErrorCode code, String message)
      throws IOException {
    response.setStatus(code.httpStatus().value());
    response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    response
        .getWriter()
        .write("{\"code\":\"" + code.name() + "\",\"message\":\"" + json(message) + "\"}");
  }

  private static String json(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
