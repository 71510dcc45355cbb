package dev.firmament.workers.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;

/** Which failed writes the status bridge retries (PostgreSQL away) and which it does not (data). */
class StatusBridgeOutageTest {
  @Test
  void anUnreachableOrRestartingDatabaseIsAnOutage() {
    assertThat(StatusBridge.isOutage(new DataAccessResourceFailureException("refused"))).isTrue();
    assertThat(StatusBridge.isOutage(new SQLTransientConnectionException("pool empty"))).isTrue();
    assertThat(
            StatusBridge.isOutage(
                new DataAccessException("jOOQ", new SQLException("Connection refused", "08001"))))
        .isTrue();
    assertThat(
            StatusBridge.isOutage(
                new RuntimeException(
                    new SQLException("terminating connection due to administrator", "57P01"))))
        .isTrue();
    assertThat(StatusBridge.isOutage(new SQLException("cannot connect now", "57P03"))).isTrue();
  }

  @Test
  void aRowTheDataRefusesIsNotAnOutage() {
    assertThat(
            StatusBridge.isOutage(
                new DataIntegrityViolationException(
                    "too long", new SQLException("value too long", "22001"))))
        .isFalse();
    assertThat(StatusBridge.isOutage(new SQLException("deadlock", "40P01"))).isFalse();
    assertThat(StatusBridge.isOutage(new SQLException("no state"))).isFalse();
    assertThat(StatusBridge.isOutage(new SQLException("other admin", "57P04"))).isFalse();
    assertThat(StatusBridge.isOutage(new IllegalStateException("a bug"))).isFalse();
  }
}
