package dev.firmament.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySourcesPropertyResolver;

class ProductionSettingsTest {

  /** Settings a production deployment gives: own S3 credentials, key files. */
  private static Map<String, Object> production() {
    Map<String, Object> settings = new HashMap<>();
    settings.put("firmament.s3.access-key", "ops-artifacts");
    settings.put("firmament.s3.secret-key", "b1d5c0e4a2f6");
    settings.put("spring.datasource.password", "9f8e7d6c5b4a");
    settings.put("firmament.signing.private-key-file", "/etc/firmament/signing/private.b64");
    settings.put("firmament.signing.public-key-file", "/etc/firmament/signing/public.b64");
    return settings;
  }

  private static PropertySourcesPropertyResolver resolver(Map<String, Object> settings) {
    MutablePropertySources sources = new MutablePropertySources();
    sources.addFirst(new MapPropertySource("test", settings));
    return new PropertySourcesPropertyResolver(sources);
  }

  @Test
  void everyRoleStartsWithProductionSettings() {
    for (String role : FirmamentServer.ROLES) {
      assertThat(ProductionSettings.problems(role, resolver(production()))).as(role).isEmpty();
    }
  }

  @Test
  void rolesThatBuildDeltasRefuseToStartWithoutSigningKeys() {
    Map<String, Object> settings = production();
    settings.remove("firmament.signing.private-key-file");
    for (String role : new String[] {"delta", "workers", "all"}) {
      assertThat(ProductionSettings.problems(role, resolver(settings)))
          .as(role)
          .singleElement()
          .asString()
          .contains("firmament.signing.private-key-file", "firmament.signing.allow-unsigned");
    }
  }

  @Test
  void theApiNeedsNoSigningKey() {
    Map<String, Object> settings = production();
    settings.remove("firmament.signing.private-key-file");
    settings.remove("firmament.signing.public-key-file");
    assertThat(ProductionSettings.problems("api", resolver(settings))).isEmpty();
  }

  @Test
  void inlineKeysCountAsKeys() {
    Map<String, Object> settings = production();
    settings.remove("firmament.signing.private-key-file");
    settings.remove("firmament.signing.public-key-file");
    settings.put("firmament.signing.private-key", "MC4CAQ...");
    settings.put("firmament.signing.public-key", "MCowBQ...");
    assertThat(ProductionSettings.problems("delta", resolver(settings))).isEmpty();
  }

  @Test
  void allowUnsignedLetsTheDeltaRoleStartWithoutKeys() {
    Map<String, Object> settings = production();
    settings.remove("firmament.signing.private-key-file");
    settings.remove("firmament.signing.public-key-file");
    settings.put(ProductionSettings.ALLOW_UNSIGNED, "true");
    assertThat(ProductionSettings.problems("delta", resolver(settings))).isEmpty();
    settings.put(ProductionSettings.ALLOW_UNSIGNED, "false");
    assertThat(ProductionSettings.problems("delta", resolver(settings))).hasSize(1);
  }

  @Test
  void s3CredentialsMustBeGivenNotDefaulted() {
    Map<String, Object> settings = production();
    settings.remove("firmament.s3.access-key");
    settings.put("firmament.s3.secret-key", " ");
    assertThat(ProductionSettings.problems("api", resolver(settings)))
        .containsExactly(
            "firmament.s3.access-key is not set (the built-in default is a development"
                + " credential)",
            "firmament.s3.secret-key is not set (the built-in default is a development"
                + " credential)");
  }

  @Test
  void developmentPasswordsAreRefused() {
    Map<String, Object> settings = production();
    settings.put("firmament.s3.secret-key", "firmament-secret");
    settings.put("spring.datasource.password", "firmament");
    settings.put("firmament.mqtt.password", "CHANGE-ME");
    settings.put("firmament.mqtt.dynamic-security.admin-password", "CHANGE-ME");
    assertThat(ProductionSettings.problems("workers", resolver(settings)))
        .containsExactlyInAnyOrder(
            "firmament.mqtt.dynamic-security.admin-password is a development password shipped"
                + " with Firmament; set your own",
            "spring.datasource.password is a development password shipped with Firmament; set"
                + " your own",
            "firmament.s3.secret-key is a development password shipped with Firmament; set your"
                + " own",
            "firmament.mqtt.password is a development password shipped with Firmament; set your"
                + " own");
  }

  @Test
  void developmentCredentialsAreAcceptedOnlyWhenAllowed() {
    Map<String, Object> settings = production();
    settings.put("firmament.s3.secret-key", "firmament-dev-secret");
    settings.put(ProductionSettings.ALLOW_DEVELOPMENT_CREDENTIALS, "true");
    assertThat(ProductionSettings.problems("api", resolver(settings))).isEmpty();
  }

  @Test
  void checkNamesEveryProblemOnOneLine() {
    Map<String, Object> settings = production();
    settings.remove("firmament.signing.public-key-file");
    settings.put("firmament.s3.secret-key", "minioadmin");
    assertThatThrownBy(() -> ProductionSettings.check("delta", resolver(settings)))
        .isInstanceOf(UnsafeProductionSettings.class)
        .hasMessageStartingWith("firmament-server delta refuses to start: no release signing key")
        .hasMessageContaining("; firmament.s3.secret-key is a development password")
        .hasMessageNotContaining("\n");
  }

  @Test
  void theFailureReportIsTheOneLineReason() {
    UnsafeProductionSettings unsafe =
        new UnsafeProductionSettings("delta", java.util.List.of("no release signing key"));
    org.springframework.boot.diagnostics.FailureAnalysis analysis =
        new UnsafeProductionSettingsAnalyzer()
            .analyze(new IllegalStateException("context failed", unsafe));
    assertThat(analysis.getDescription())
        .isEqualTo("firmament-server delta refuses to start: no release signing key");
  }
}
