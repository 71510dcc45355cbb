/**
 * The server side of the device protocol: {@link dev.firmament.protocol.server.DeviceGateway}, the
 * port the workers use to offer updates and hear back from devices, and its MQTT implementation
 * {@link dev.firmament.protocol.server.MqttDeviceGateway}.
 */
package dev.firmament.protocol.server;
