package dev.firmament.launcher;

import dev.firmament.api.ApiConfiguration;
import dev.firmament.api.config.InfrastructureConfiguration;
import dev.firmament.workers.WorkersConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The API and the workers in one Spring context, sharing one Temporal client and artifact store.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({InfrastructureConfiguration.class, ApiConfiguration.class, WorkersConfiguration.class})
public class DevApplication {}
