package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.devstack.EmbeddedMqttBroker;
import dev.firmament.manifest.Sha256;
import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.server.ArtifactSource;
import dev.firmament.protocol.server.Delivery;
import dev.firmament.protocol.server.GatewayOptions;
import dev.firmament.protocol.server.MqttDeviceGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opt-in: one gateway updates a large simulated fleet. Not part of the normal build; run with
 * {@code ./mvnw -pl device-protocol,device-agent verify -Dtest=FleetScaleProbe
 * -Dfirmament.fleet.size=10000 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "firmament.fleet.size", matches = "\\d+")
class FleetScaleProbe {

  @TempDir Path brokerDir;

  @Test
  void oneGatewayUpdatesTheWholeFleet() throws Exception {
    int size = Integer.getInteger("firmament.fleet.size");
    byte[] image = Files.readAllBytes(Path.of("..", "firmware-samples", "armapp.new"));
    String sha = Sha256.hex(image);
    try (EmbeddedMqttBroker broker = EmbeddedMqttBroker.start(brokerDir, 0, null);
        MqttDeviceGateway gateway = MqttDeviceGateway.connect(GatewayOptions.of(broker.url()))) {
      CountDownLatch done = new CountDownLatch(size);
      AtomicInteger succeeded = new AtomicInteger();
      gateway.onReport(
          r -> {
            if (r.report().state().isTerminal()) {
              if (r.report().state() == DeviceState.SUCCEEDED) {
                succeeded.incrementAndGet();
              }
              done.countDown();
            }
          });
      long start = System.nanoTime();
      try (FleetSimulator fleet =
          FleetSimulator.start(
              broker.url(),
              SimulatedDeviceSpec.numbered("scale", size, "1.0.0"),
              FleetOptions.defaults())) {
        long connected = System.nanoTime();
        for (String id : fleet.deviceIds()) {
          gateway.offer(
              new Delivery(
                  id,
                  "u-" + id,
                  "2.0.0",
                  Artifact.full(image.length, sha, 4096),
                  ArtifactSource.ofBytes(image)));
        }
        boolean allDone = done.await(3, TimeUnit.MINUTES);
        fleet.devices().stream()
            .filter(d -> d.state() != DeviceState.SUCCEEDED)
            .limit(20)
            .forEach(d -> System.out.println("not done: " + d));
        assertThat(allDone).isTrue();
        long finished = System.nanoTime();
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
            "fleet of %d: connected in %d ms, updated in %d ms, %d succeeded, %s, heap used %d MB, threads %d%n",
            size,
            (connected - start) / 1_000_000,
            (finished - connected) / 1_000_000,
            succeeded.get(),
            gateway.stats(),
            (rt.totalMemory() - rt.freeMemory()) >> 20,
            Thread.activeCount());
        assertThat(succeeded.get()).isEqualTo(size);
      }
    }
  }
}
