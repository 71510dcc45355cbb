package dev.firmament.api.cloudcode;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** Binds {@code firmament.cloud-code.*}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CloudCodeProperties.class)
public class CloudCodeConfiguration {}
