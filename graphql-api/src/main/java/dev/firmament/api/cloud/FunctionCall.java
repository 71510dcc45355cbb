package dev.firmament.api.cloud;

import java.time.OffsetDateTime;

/**
 * The result of calling a device's function.
 *
 * @param id the call's record
 * @param deviceId the device called
 * @param name the function
 * @param returnValue what the function returned; null when it did not answer
 * @param connected whether the device was connected when called
 * @param calledAt when the API sent the call (or answered it itself)
 */
public record FunctionCall(
    String id,
    String deviceId,
    String name,
    Integer returnValue,
    boolean connected,
    OffsetDateTime calledAt) {}
