package dev.firmament.api.cloud;

import java.time.OffsetDateTime;

/**
 * What the platform concluded about a device from what it reported ({@code DiagnosticEvent}): a
 * start ({@code RESET}) or a reset loop ({@code RESET_LOOP}).
 */
public record DiagnosticEvent(
    String id,
    String deviceId,
    OffsetDateTime occurredAt,
    String kind,
    String severity,
    String detail,
    String firmwareVersion) {}
