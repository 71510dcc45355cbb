package dev.firmament.api.cloud;

import dev.firmament.protocol.BrokerAddress;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.cloud.CallerOptions;
import dev.firmament.protocol.cloud.CloudCaller;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The API process's broker client for device calls, made when {@code firmament.mqtt.url} is set. It
 * uses the process's broker account ({@code firmament.mqtt.username}/{@code password}; {@code
 * firmament-api} in production) and a name of its own in reply topics ({@code
 * firmament.cloud.instance}, by default {@code api-} and random hex, so that API replicas never
 * share one).
 */
@Configuration(proxyBeanMethods = false)
public class CloudCallConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnProperty("firmament.mqtt.url")
  public CloudCaller cloudCaller(
      @Value("${firmament.mqtt.url}") String url,
      @Value("${firmament.mqtt.tls:false}") boolean tls,
      @Value("${firmament.mqtt.tls-ca-file:}") String tlsCaFile,
      @Value("${firmament.mqtt.username:#{null}}") String username,
      @Value("${firmament.mqtt.password:#{null}}") String password,
      @Value("${firmament.cloud.instance:}") String instance,
      @Value("${firmament.cloud.connect-timeout:5s}") Duration connectTimeout) {
    String name = instance.isBlank() ? randomInstance() : instance;
    if (!Topics.isValidInstance(name)) {
      throw new IllegalArgumentException(
          "firmament.cloud.instance must be 1-128 of [A-Za-z0-9._:-], was " + name);
    }
    return CloudCaller.connect(
        new CallerOptions(
            BrokerAddress.parse(url),
            tls || !tlsCaFile.isBlank(),
            tlsCaFile.isBlank() ? null : Path.of(tlsCaFile),
            username,
            username == null ? null : password,
            name,
            connectTimeout));
  }

  static String randomInstance() {
    byte[] bytes = new byte[6];
    ThreadLocalRandom.current().nextBytes(bytes);
    return "api-" + HexFormat.of().formatHex(bytes);
  }
}
