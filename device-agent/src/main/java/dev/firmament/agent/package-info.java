/**
 * The reference device agent and the fleet simulator: {@link dev.firmament.agent.DeviceAgent} is
 * one simulated device speaking the device protocol over MQTT 5 with A/B slots; {@link
 * dev.firmament.agent.FleetSimulator} runs thousands of them in one process, with optional faults,
 * for tests and the demo.
 */
package dev.firmament.agent;
