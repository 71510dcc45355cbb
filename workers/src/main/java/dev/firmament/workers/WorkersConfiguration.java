package dev.firmament.workers;

import dev.firmament.protocol.server.DeviceGateway;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import dev.firmament.workers.delta.DeltaPipelineConfiguration;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The workers' Spring wiring: activity implementations, the device gateway and the status bridge.
 *
 * <p>It expects a {@code WorkflowClient}, an {@code ArtifactStore} and a jOOQ {@code DSLContext}
 * from the process it runs in; the dev process shares them with the API.
 */
@Configuration(proxyBeanMethods = false)
@ComponentScan("dev.firmament.workers")
@Import(DeltaPipelineConfiguration.class)
public class WorkersConfiguration {

  @Bean(destroyMethod = "close")
  DeviceGateway deviceGateway(
      @Value("${firmament.mqtt.url:tcp://127.0.0.1:1883}") String mqttUrl,
      @Value("${firmament.delivery.window:8}") int window,
      @Value("${firmament.mqtt.username:#{null}}") String username,
      @Value("${firmament.mqtt.password:#{null}}") String password,
      @Value("${firmament.mqtt.tls:false}") boolean tls,
      @Value("${firmament.mqtt.tls-ca-file:}") String tlsCaFile,
      @Value("${firmament.mqtt.shared-subscriptions:true}") boolean sharedSubscriptions) {
    GatewayOptions options =
        GatewayOptions.of(mqttUrl)
            .withWindow(window)
            .withSharedSubscriptions(sharedSubscriptions)
            .withTls(tls, tlsCaFile.isBlank() ? null : Path.of(tlsCaFile));
    if (username != null && !username.isBlank()) {
      options = options.withCredentials(username, password);
    }
    return MqttDeviceGateway.connect(options);
  }
}
