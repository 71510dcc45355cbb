package dev.firmament.api.error;

import java.sql.SQLException;

/** Recognizes PostgreSQL unique-constraint violations under any wrapping. */
public final class UniqueViolations {
  private static final String UNIQUE_VIOLATION = "23505";

  private UniqueViolations() {}

  public static boolean isUniqueViolation(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState())) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }
}
