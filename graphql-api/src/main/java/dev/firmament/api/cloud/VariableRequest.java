package dev.firmament.api.cloud;

/**
 * The result of reading a device's variable.
 *
 * @param id the read's record
 * @param name the variable
 * @param type its declared type
 * @param result its value (an Integer, Double, String or Boolean as the type says); null when the
 *     device did not answer
 * @param coreInfo the device as the read found it
 */
public record VariableRequest(
    String id, String name, String type, Object result, CoreInfo coreInfo) {}
