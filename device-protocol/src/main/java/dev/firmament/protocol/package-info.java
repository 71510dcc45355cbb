/**
 * The device protocol in code: MQTT topics, the JSON control messages, the binary chunk frame and
 * the codec that reads and writes them. Both sides use these types: the server-side gateway in
 * {@link dev.firmament.protocol.server} and the reference device agent.
 *
 * <p>The normative description, with examples and sequence diagrams, is {@code
 * docs/device-protocol.md}; this package must agree with it byte for byte.
 */
package dev.firmament.protocol;
