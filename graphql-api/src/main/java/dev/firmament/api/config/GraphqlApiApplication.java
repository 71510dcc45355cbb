package dev.firmament.api.config;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Import;

/** The API as a process of its own (production); the dev launcher imports the configurations. */
@SpringBootApplication
@Import({ApiConfiguration.class, InfrastructureConfiguration.class})
public class GraphqlApiApplication {

  public static void main(String[] args) {
    SpringApplication.run(GraphqlApiApplication.class, args);
  }
}
