package dev.firmament.workers;

import dev.firmament.orchestrator.rollout.RolloutFailures;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import java.sql.SQLException;

/**
 * Tells a write the database refuses for its data from one it cannot do right now. A data exception
 * (SQLSTATE class 22: a value too long or out of range, an invalid date) or an integrity violation
 * (class 23, except a unique violation, which the idempotent writes resolve on their next attempt)
 * fails the same way on every retry, so the activity fails once, non-retryable, with {@link
 * RolloutFailures#DATA_REFUSED}, and the rollout ends with the reason. Everything else (a lost
 * connection, a serialization failure, a database that is down) stays retryable.
 *
 * <p>Registered as a worker interceptor, so every activity of the worker is covered.
 */
public final class DataRefusals extends WorkerInterceptorBase {

  private static final String UNIQUE_VIOLATION = "23505";

  /**
   * The failure to report for {@code failure}: a non-retryable {@link RolloutFailures#DATA_REFUSED}
   * when the database refused the data, otherwise {@code failure} itself.
   */
  public static RuntimeException translate(RuntimeException failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && refusesData(sql.getSQLState())) {
        return ApplicationFailure.newNonRetryableFailureWithCause(
            "the database refused the rollout's data: " + sql.getMessage(),
            RolloutFailures.DATA_REFUSED,
            failure);
      }
    }
    return failure;
  }

  static boolean refusesData(String sqlState) {
    return sqlState != null
        && (sqlState.startsWith("22")
            || (sqlState.startsWith("23") && !sqlState.equals(UNIQUE_VIOLATION)));
  }

  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      @Override
      public ActivityOutput execute(ActivityInput input) {
        try {
          return super.execute(input);
        } catch (RuntimeException e) {
          throw translate(e);
        }
      }
    };
  }
}
