package dev.firmament.devstack;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Turns the embedded servers' own loggers down to WARN, so that their start-up banners and
 * per-connection chatter do not drown Firmament's log. Only acts when Logback is the SLF4J backend,
 * and only on loggers the logging configuration leaves unset; with any other backend the levels are
 * left to its configuration.
 */
final class ThirdPartyLogging {

  /** Logger name prefixes of the embedded servers and the libraries they bring. */
  static final List<String> QUIET_LOGGERS =
      List.of(
          "com.hivemq",
          "migrations",
          "oshi",
          "jetbrains.exodus",
          "org.rocksdb",
          "org.gaul",
          "io.zonky.test.db.postgres",
          "io.temporal.internal.testservice",
          "io.temporal.testserver");

  private ThirdPartyLogging() {}

  static void quiet() {
    if (!logbackIsBackend()) {
      return;
    }
    Logback.setLevel(QUIET_LOGGERS);
  }

  private static boolean logbackIsBackend() {
    try {
      Class.forName(
          "ch.qos.logback.classic.LoggerContext", false, ThirdPartyLogging.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    return "ch.qos.logback.classic.LoggerContext"
        .equals(LoggerFactory.getILoggerFactory().getClass().getName());
  }

  /** Separate class so that Logback types are only loaded when Logback is present. */
  private static final class Logback {
    static void setLevel(List<String> names) {
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      for (String name : names) {
        ch.qos.logback.classic.Logger logger = context.getLogger(name);
        // A level set explicitly by the application's logging config wins.
        if (logger.getLevel() == null) {
          logger.setLevel(Level.WARN);
        }
      }
    }
  }
}
