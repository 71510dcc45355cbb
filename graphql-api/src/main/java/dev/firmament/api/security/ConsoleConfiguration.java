package dev.firmament.api.security;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The operator console at {@code /console}: static ES modules under {@code static/console/} that
 * talk to the GraphQL API (HTTP for queries and mutations, graphql-ws for live updates) with the
 * operator's token. {@code /console} and {@code /console/} lead to its page.
 */
@Configuration
public class ConsoleConfiguration implements WebMvcConfigurer {
  /**
   * The console's Content-Security-Policy: its own scripts, styles and images only, requests to
   * this origin only (the WebSocket included), and no framing.
   */
  static final String POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none';"
          + " frame-ancestors 'none'";

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addRedirectViewController("/console", "/console/");
    registry.addViewController("/console/").setViewName("forward:/console/index.html");
  }
}
