package dev.firmament.api.rollout;

import java.time.OffsetDateTime;

/** One row of a result's append-only history. */
public record OtaResultTransition(
    String phase,
    String state,
    int attempt,
    long bytesSent,
    String errorCode,
    String detail,
    OffsetDateTime recordedAt) {}
