package dev.firmament.devstack;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device identity enforced at the broker: who may connect, and on which topics.
 *
 * <p>A device connects with client id = username = its device id and its own secret; it may then
 * publish only its status and presence ({@code fw/{its id}/status}, {@code .../presence}), its
 * events ({@code .../events}), its vitals and logs ({@code .../telemetry}), its ledger sync and
 * writes ({@code .../ledger}), its network configuration syncs and acknowledgements ({@code
 * .../network}) and its answers to cloud calls ({@code .../reply/+}, one level: the calling API
 * instance), and subscribe only to its commands, data and calls ({@code .../cmd}, {@code .../data},
 * {@code .../call}), as the device protocol gives it. A service client (the workers' gateway, the
 * API's device calls) authenticates with the service credentials and may use every topic.
 * Everything else is refused at connect, and any topic outside a client's permissions is denied
 * (default deny).
 */
public final class DeviceAccessExtension implements ExtensionMain {
  private static final Logger log = LoggerFactory.getLogger(DeviceAccessExtension.class);

  /** What a client is, once its credentials are checked. */
  public enum Access {
    DEVICE,
    SERVICE,
    DENIED
  }

  /** Decides a connecting client's access from its client id, username and password. */
  @FunctionalInterface
  public interface AccessCheck {
    Access check(String clientId, String username, byte[] password);
  }

  private final AccessCheck check;

  private DeviceAccessExtension(AccessCheck check) {
    this.check = check;
  }

  /** The extension, ready to pass to {@link EmbeddedMqttBroker#start}. */
  public static EmbeddedExtension embedded(AccessCheck check) {
    return EmbeddedExtension.builder()
        .withId("firmament-device-access")
        .withName("Firmament device access")
        .withVersion("1")
        .withPriority(1000)
        .withExtensionMain(new DeviceAccessExtension(check))
        .build();
  }

  @Override
  public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
    Services.securityRegistry()
        .setAuthenticatorProvider(provider -> (SimpleAuthenticator) this::authenticate);
  }

  private void authenticate(SimpleAuthInput input, SimpleAuthOutput output) {
    String clientId = input.getClientInformation().getClientId();
    String username = input.getConnectPacket().getUserName().orElse(null);
    byte[] password =
        input.getConnectPacket().getPassword().map(DeviceAccessExtension::bytes).orElse(null);
    Access access;
    try {
      access =
          username == null || password == null
              ? Access.DENIED
              : check.check(clientId, username, password);
    } catch (RuntimeException e) {
      log.warn("mqtt access check failed client={} error={}", clientId, e.toString());
      access = Access.DENIED;
    }
    switch (access) {
      case SERVICE -> {
        output.getDefaultPermissions().add(permission("#", TopicPermission.MqttActivity.ALL));
        output.authenticateSuccessfully();
      }
      case DEVICE -> {
        // What the protocol gives a device: it publishes its status, its presence, its events, its
        // telemetry, its ledger and network messages and its replies to calls, and subscribes to
        // its commands,
        // data and calls; nothing else, not even on its own other topics.
        String own = "fw/" + clientId + "/";
        output
            .getDefaultPermissions()
            .addAll(
                List.of(
                    permission(own + "status", TopicPermission.MqttActivity.PUBLISH),
                    permission(own + "presence", TopicPermission.MqttActivity.PUBLISH),
                    permission(own + "events", TopicPermission.MqttActivity.PUBLISH),
                    permission(own + "telemetry", TopicPermission.MqttActivity.PUBLISH),
                    permission(own + "ledger", TopicPermission.MqttActivity.PUBLISH),
                    permission(own + "network", TopicPermission.MqttActivity.PUBLISH),
                    permission(own + "reply/+", TopicPermission.MqttActivity.PUBLISH),
                    permission(own + "cmd", TopicPermission.MqttActivity.SUBSCRIBE),
                    permission(own + "data", TopicPermission.MqttActivity.SUBSCRIBE),
                    permission(own + "call", TopicPermission.MqttActivity.SUBSCRIBE)));
        output.getDefaultPermissions().setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
        output.authenticateSuccessfully();
      }
      case DENIED -> {
        log.info("mqtt connection refused client={} username={}", clientId, username);
        output.failAuthentication(ConnackReasonCode.NOT_AUTHORIZED, "bad credentials");
      }
    }
  }

  private static TopicPermission permission(String filter, TopicPermission.MqttActivity activity) {
    return Builders.topicPermission()
        .topicFilter(filter)
        .type(TopicPermission.PermissionType.ALLOW)
        .activity(activity)
        .build();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  /**
   * Ends a client's live session on the embedded broker (a device whose credential was replaced):
   * it must connect again, through the access check. Returns whether a session was ended.
   *
   * @throws IllegalStateException if the broker does not answer
   */
  public static boolean disconnect(String clientId) {
    try {
      return Services.clientService().disconnectClient(clientId).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while disconnecting " + clientId, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot disconnect " + clientId + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {}
}
