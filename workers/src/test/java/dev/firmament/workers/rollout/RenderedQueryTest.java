package dev.firmament.workers.rollout;

import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.Test;

class RenderedQueryTest {
  private final DSLContext dsl = DSL.using(SQLDialect.POSTGRES);

  @Test
  void bindValuesFollowThePlaceholdersOfTheRenderedStatement() {
    RenderedQuery query =
        RenderedQuery.of(
            dsl,
            dsl.update(OTA_RESULTS)
                .set(OTA_RESULTS.ERROR_MESSAGE, DSL.param("detail2", SQLDataType.VARCHAR))
                .set(OTA_RESULTS.STATE, DSL.inline("SENT"))
                .where(OTA_RESULTS.JOB_ID.eq(DSL.param("job_id", SQLDataType.UUID)))
                .and(OTA_RESULTS.DEVICE_ID.eq(DSL.param("device_id", SQLDataType.VARCHAR))));
    UUID job = UUID.randomUUID();

    assertThat(query.sql()).contains("'SENT'").doesNotContain(":");
    assertThat(query.sql().chars().filter(c -> c == '?')).hasSize(3);
    assertThat(query.binds(Map.of("device_id", "d1", "job_id", job, "detail2", "x")))
        .containsExactly("x", job, "d1");
    assertThatThrownBy(() -> query.binds(Map.of("job_id", job)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("detail2");
  }

  @Test
  void aBindValueThatIsNotANamedParameterIsRefused() {
    assertThatThrownBy(
            () ->
                RenderedQuery.of(
                    dsl,
                    dsl.selectFrom(OTA_RESULTS)
                        .where(OTA_RESULTS.DEVICE_ID.eq("fixed"))
                        .and(OTA_RESULTS.JOB_ID.eq(DSL.param("job_id", SQLDataType.UUID)))))
        .isInstanceOf(IllegalStateException.class);
  }
}
