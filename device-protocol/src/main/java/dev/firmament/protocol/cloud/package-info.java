/**
 * The cloud's side of function calls and variable reads: one MQTT 5 client per API process that
 * sends calls to devices and matches their replies by correlation data.
 */
package dev.firmament.protocol.cloud;
