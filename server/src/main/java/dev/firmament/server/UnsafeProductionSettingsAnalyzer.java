package dev.firmament.server;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports {@link UnsafeProductionSettings} as Spring Boot reports a bad configuration: the one-line
 * reason and what to set, without a stack trace that would bury it.
 */
public final class UnsafeProductionSettingsAnalyzer
    extends AbstractFailureAnalyzer<UnsafeProductionSettings> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, UnsafeProductionSettings cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Give the settings named above (deploy/README.md, \"Settings\").",
        cause);
  }
}
