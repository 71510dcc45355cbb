package dev.firmament.protocol.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.firmament.protocol.Artifact;
import dev.firmament.protocol.CancelUpdate;
import dev.firmament.protocol.ChunkFrame;
import dev.firmament.protocol.Command;
import dev.firmament.protocol.DeviceState;
import dev.firmament.protocol.DownloadLink;
import dev.firmament.protocol.ErrorCode;
import dev.firmament.protocol.ProtocolCodec;
import dev.firmament.protocol.StatusReport;
import dev.firmament.protocol.Topics;
import dev.firmament.protocol.Transport;
import dev.firmament.protocol.UpdateOffer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway's delivery rules end to end, without a broker: an outbox records what is sent. */
class DeliveriesTest {

  private static final ProtocolCodec CODEC = new ProtocolCodec();
  private static final int CHUNK = 100;
  private static final int WINDOW = 4;
  private static final Duration STALL = Duration.ofSeconds(10);
  private static final String HASH = "a".repeat(64);

  /** Records everything the deliveries send; direct subscriptions complete when the test says. */
  private static final class RecordingOutbox implements Deliveries.Outbox {
    final List<String> commands = new ArrayList<>();
    final List<ChunkFrame> chunks = new ArrayList<>();
    final List<Runnable> pendingSubscriptions = new ArrayList<>();
    final List<String> unsubscribed = new ArrayList<>();
    final List<DeviceReport> reports = new ArrayList<>();
    final List<String> links = new ArrayList<>();

    @Override
    public void command(String topic, byte[] payload, String what) {
      Command command = CODEC.decodeCommand(payload);
      if (command instanceof UpdateOffer offer && offer.download() != null) {
        links.add(offer.download().url());
      }
      String kind =
          switch (command) {
            case UpdateOffer offer -> "offer " + offer.updateId();
            case CancelUpdate cancel -> "cancel " + cancel.updateId();
            default -> "other " + command;
          };
      commands.add(Topics.deviceId(topic, Topics.Kind.CMD).orElseThrow() + ": " + kind);
    }

    @Override
    public void chunk(String topic, byte[] frame) {
      chunks.add(CODEC.decodeChunk(frame));
    }

    @Override
    public void subscribeStatus(String topic, Runnable then) {
      pendingSubscriptions.add(then);
    }

    @Override
    public void resubscribeStatus(String topic) {}

    @Override
    public void unsubscribeStatus(String topic) {
      unsubscribed.add(topic);
    }

    @Override
    public void report(DeviceReport report) {
      reports.add(report);
    }

    List<Long> chunkOffsets() {
      return chunks.stream().map(ChunkFrame::offset).toList();
    }

    void completeSubscriptions() {
      List<Runnable> done = new ArrayList<>(pendingSubscriptions);
      pendingSubscriptions.clear();
      done.forEach(Runnable::run);
    }
  }

  private final RecordingOutbox outbox = new RecordingOutbox();
  private long now = 1_000_000_000L;
  private int sentSecond;

  private Deliveries deliveries(long maxBytesInFlight, boolean directSubscriptions) {
    return new Deliveries(
        GatewayOptions.of("tcp://127.0.0.1:1883")
            .withWindow(WINDOW)
            .withMaxBytesInFlight(maxBytesInFlight)
            .withStallTimeout(STALL)
            .withDirectStatusSubscriptions(directSubscriptions),
        outbox,
        () -> now);
  }

  private Deliveries deliveries() {
    return deliveries(64L << 20, false);
  }

  private static Delivery delivery(String deviceId, String updateId, int size) {
    return new Delivery(
        deviceId,
        updateId,
        "2.0.0",
        Artifact.full(size, HASH, CHUNK),
        ArtifactSource.ofBytes(new byte[size]));
  }

  /** Reports as the device would: each message carries its own send time. */
  private void report(Deliveries deliveries, String deviceId, StatusReport report) {
    StatusReport sent =
        new StatusReport(
            report.updateId(),
            report.state(),
            report.offset(),
            report.code(),
            report.detail(),
            report.currentVersion(),
            Instant.EPOCH.plusSeconds(++sentSecond));
    deliveries.report(deviceId, sent, CODEC.encodeReport(sent));
  }

  private void ack(Deliveries deliveries, String deviceId, String updateId, long offset) {
    report(deliveries, deviceId, StatusReport.downloading(updateId, offset, "1.0.0"));
  }

  /** A delivery the device downloads through links; each signed link ends in its number. */
  private static Delivery downloaded(String deviceId, String updateId, int size, int[] signed) {
    return downloaded(
        deviceId,
        updateId,
        size,
        () ->
            new DownloadLink(
                "https://s3.example/firmware?sig=" + ++signed[0], Instant.EPOCH.plusSeconds(60)));
  }

  private static Delivery downloaded(
      String deviceId, String updateId, int size, DownloadLinks links) {
    return new Delivery(
        deviceId,
        updateId,
        "2.0.0",
        Artifact.full(size, HASH, CHUNK),
        false,
        null,
        null,
        null,
        null,
        links);
  }

  private void reportAsIs(Deliveries deliveries, String deviceId, StatusReport report) {
    deliveries.report(deviceId, report, CODEC.encodeReport(report));
  }

  @Test
  void aDeviceThatDownloadsGetsALinkNoChunksAndAFreshLinkOncePerOffsetItAsksAt() {
    Deliveries deliveries = deliveries();
    int[] signed = {0};
    deliveries.offer(downloaded("d-1", "u-1", 1_000, signed));
    assertThat(outbox.links).containsExactly("https://s3.example/firmware?sig=1");

    ack(deliveries, "d-1", "u-1", 0);
    ack(deliveries, "d-1", "u-1", 400);
    assertThat(outbox.chunks).isEmpty();
    assertThat(deliveries.stats().bytesInFlight()).isZero();

    // The link expired at 600; a copy of the request (another send time) signs nothing more.
    reportAsIs(
        deliveries,
        "d-1",
        new StatusReport(
            "u-1", DeviceState.DOWNLOADING, 600L, null, null, "1.0.0", Instant.EPOCH, 600L, true));
    reportAsIs(
        deliveries,
        "d-1",
        new StatusReport(
            "u-1",
            DeviceState.DOWNLOADING,
            600L,
            null,
            null,
            "1.0.0",
            Instant.EPOCH.plusSeconds(1),
            600L,
            true));
    assertThat(outbox.links)
        .containsExactly("https://s3.example/firmware?sig=1", "https://s3.example/firmware?sig=2");
    assertThat(outbox.commands).containsExactly("d-1: offer u-1", "d-1: offer u-1");

    ack(deliveries, "d-1", "u-1", 600);
    ack(deliveries, "d-1", "u-1", 1_000);
    report(deliveries, "d-1", StatusReport.of("u-1", DeviceState.VERIFYING, "1.0.0"));
    report(deliveries, "d-1", StatusReport.of("u-1", DeviceState.SUCCEEDED, "2.0.0"));

    DeviceReport end = outbox.reports.getLast();
    assertThat(end.report().state()).isEqualTo(DeviceState.SUCCEEDED);
    assertThat(end.transport()).isEqualTo(Transport.HTTPS);
    // Two links, the first used up to 600 and the second from there: the image, once.
    assertThat(end.served()).isEqualTo(1_000L);
    assertThat(deliveries.stats().bytesSent()).isZero();
    assertThat(deliveries.meter().drain()).containsEntry("d-1", new DeviceUsage(1_000, 0, 0));
  }

  @Test
  void aLinkThatCannotBeSignedCancelsTheUpdateOnTheDevice() {
    Deliveries deliveries = deliveries();
    deliveries.offer(
        downloaded(
            "d-1",
            "u-1",
            1_000,
            () -> {
              throw new IllegalStateException("no keys");
            }));

    assertThat(outbox.commands).containsExactly("d-1: cancel u-1");
    assertThat(outbox.links).isEmpty();
  }

  @Test
  void aPushedDeliveryCountsTheBytesItPushedResendsIncluded() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 400));
    ack(deliveries, "d-1", "u-1", 0);
    // The device lost everything after 100: the gateway sends 100..399 again.
    ack(deliveries, "d-1", "u-1", 100);
    ack(deliveries, "d-1", "u-1", 100);
    ack(deliveries, "d-1", "u-1", 400);
    report(deliveries, "d-1", StatusReport.of("u-1", DeviceState.VERIFYING, "1.0.0"));

    DeviceReport verifying = outbox.reports.getLast();
    assertThat(verifying.transport()).isEqualTo(Transport.MQTT);
    assertThat(verifying.served()).isEqualTo(deliveries.stats().bytesSent()).isEqualTo(700L);
  }

  @Test
  void theOfferComesFirstAndNoDataBeforeTheDeviceAccepts() {
    Deliveries deliveries = deliveries(64L << 20, true);

    deliveries.offer(delivery("d-1", "u-1", 1_000));
    assertThat(outbox.commands).as("not before the direct subscription is in place").isEmpty();
    outbox.completeSubscriptions();

    assertThat(outbox.commands).containsExactly("d-1: offer u-1");
    assertThat(outbox.chunks).isEmpty();
    assertThat(deliveries.stats().activeDeliveries()).isEqualTo(1);
  }

  @Test
  void anAcceptanceSendsOneWindowAndAcknowledgementsMoveIt() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));

    ack(deliveries, "d-1", "u-1", 0);
    assertThat(outbox.chunkOffsets()).containsExactly(0L, 100L, 200L, 300L);
    assertThat(deliveries.stats().bytesInFlight()).isEqualTo(400);

    ack(deliveries, "d-1", "u-1", 200);
    assertThat(outbox.chunkOffsets()).containsExactly(0L, 100L, 200L, 300L, 400L, 500L);
    assertThat(deliveries.stats().bytesSent()).isEqualTo(600);
    assertThat(deliveries.stats().chunksSent()).isEqualTo(6);
  }

  @Test
  void aLowerAcknowledgementResendsFromThereOnce() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));
    ack(deliveries, "d-1", "u-1", 0);
    ack(deliveries, "d-1", "u-1", 200);
    outbox.chunks.clear();

    ack(deliveries, "d-1", "u-1", 200);
    ack(deliveries, "d-1", "u-1", 200);

    assertThat(outbox.chunkOffsets()).containsExactly(200L, 300L, 400L, 500L);
  }

  @Test
  void theMeterCountsEachDevicesChunksResendsIncludedAndADrainForgetsThem() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));
    deliveries.offer(delivery("d-2", "u-2", 150));
    ack(deliveries, "d-1", "u-1", 0);
    ack(deliveries, "d-1", "u-1", 200);
    // The device missed bytes from 200: the resent chunks are counted again.
    ack(deliveries, "d-1", "u-1", 200);
    ack(deliveries, "d-2", "u-2", 0);

    Map<String, DeviceUsage> usage = deliveries.meter().drain();
    assertThat(usage.get("d-1").otaBytes()).isEqualTo(1_000);
    assertThat(usage.get("d-2").otaBytes()).isEqualTo(150);
    assertThat(usage.values().stream().mapToLong(DeviceUsage::otaBytes).sum())
        .as("the meter and the gateway's counter agree")
        .isEqualTo(deliveries.stats().bytesSent());
    assertThat(deliveries.meter().drain()).isEmpty();

    deliveries.meter().ledger("d-2", 40, true);
    deliveries.meter().ledger("d-2", 10, false);
    assertThat(deliveries.meter().drain())
        .containsExactly(Map.entry("d-2", new DeviceUsage(0, 50, 1)));
  }

  @Test
  void aDeliveryThatDoesNotFitTheBudgetWaitsForTheFirstToFinish() {
    Deliveries deliveries = deliveries(WINDOW * CHUNK, false);
    deliveries.offer(delivery("d-1", "u-1", 1_000));
    deliveries.offer(delivery("d-2", "u-2", 1_000));
    ack(deliveries, "d-1", "u-1", 0);

    ack(deliveries, "d-2", "u-2", 0);
    assertThat(outbox.chunks).allMatch(c -> c.updateId().equals("u-1")).hasSize(WINDOW);

    // All bytes in: VERIFYING ends the first transfer and frees its window for the second.
    ack(deliveries, "d-1", "u-1", 1_000);
    report(deliveries, "d-1", StatusReport.of("u-1", DeviceState.VERIFYING, "1.0.0"));

    assertThat(outbox.chunks.stream().filter(c -> c.updateId().equals("u-2")).count())
        .isEqualTo(WINDOW);
  }

  @Test
  void listenersSeeEachStateOnceAndATerminalReportEndsTheDelivery() {
    Deliveries deliveries = deliveries(64L << 20, true);
    deliveries.offer(delivery("d-1", "u-1", 100));
    deliveries.offer(delivery("d-2", "u-2", 100));
    outbox.completeSubscriptions();
    ack(deliveries, "d-1", "u-1", 0);
    // What the worker keeps alive with heartbeats: the deliveries still open.
    assertThat(deliveries.openUpdates())
        .containsExactly(Map.entry("d-1", "u-1"), Map.entry("d-2", "u-2"));
    StatusReport succeeded = StatusReport.of("u-1", DeviceState.SUCCEEDED, "2.0.0");
    deliveries.report("d-1", succeeded, CODEC.encodeReport(succeeded));
    deliveries.report("d-1", succeeded, CODEC.encodeReport(succeeded));

    assertThat(outbox.reports)
        .extracting(r -> r.report().state())
        .containsExactly(DeviceState.DOWNLOADING, DeviceState.SUCCEEDED);
    assertThat(deliveries.stats().activeDeliveries()).isEqualTo(1);
    // d-2 never accepted: no bytes of it are in flight.
    assertThat(deliveries.stats().bytesInFlight()).isZero();
    assertThat(deliveries.openUpdates()).containsExactly(Map.entry("d-2", "u-2"));
    assertThat(outbox.unsubscribed).containsExactly(Topics.status("d-1"));
  }

  @Test
  void reportsForAnotherUpdateOrAnUnknownDeviceChangeNothing() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));

    report(deliveries, "d-1", StatusReport.of("u-forged", DeviceState.SUCCEEDED, "2.0.0"));
    report(deliveries, "d-9", StatusReport.of("u-1", DeviceState.SUCCEEDED, "2.0.0"));

    assertThat(outbox.reports).isEmpty();
    assertThat(deliveries.stats().activeDeliveries()).isEqualTo(1);
  }

  @Test
  void exactlyAtTheStallTimeoutTheOfferIsRepeatedAndTheWindowResent() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));
    ack(deliveries, "d-1", "u-1", 0);
    ack(deliveries, "d-1", "u-1", 200);
    outbox.chunks.clear();

    now += STALL.toNanos() - 1;
    deliveries.sweepStalls();
    assertThat(outbox.commands).containsExactly("d-1: offer u-1");

    now += 1;
    deliveries.sweepStalls();
    assertThat(outbox.commands).containsExactly("d-1: offer u-1", "d-1: offer u-1");
    assertThat(outbox.chunkOffsets()).containsExactly(200L, 300L, 400L, 500L);
  }

  @Test
  void theSameUpdateOfferedAgainResumesInsteadOfRestarting() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));
    ack(deliveries, "d-1", "u-1", 0);
    ack(deliveries, "d-1", "u-1", 300);

    deliveries.offer(delivery("d-1", "u-1", 1_000));

    assertThat(outbox.commands).containsExactly("d-1: offer u-1", "d-1: offer u-1");
    assertThat(deliveries.stats().activeDeliveries()).isEqualTo(1);
    assertThat(deliveries.stats().bytesInFlight()).as("back to the acknowledged offset").isZero();
    outbox.chunks.clear();
    ack(deliveries, "d-1", "u-1", 300);
    assertThat(outbox.chunkOffsets()).startsWith(300L);
  }

  @Test
  void aCancelEndsTheTransferAndLaterAcknowledgementsSendNothing() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));
    ack(deliveries, "d-1", "u-1", 0);
    outbox.chunks.clear();

    deliveries.cancel(
        "d-1", "u-1", Topics.cmd("d-1"), CODEC.encodeCommand(new CancelUpdate("u-1")));
    ack(deliveries, "d-1", "u-1", 400);

    assertThat(outbox.commands).containsExactly("d-1: offer u-1", "d-1: cancel u-1");
    assertThat(outbox.chunks).isEmpty();
    assertThat(deliveries.stats().activeDeliveries()).isZero();
  }

  @Test
  void anArtifactThatCannotBeReadIsCanceledOnTheDevice() {
    Deliveries deliveries = deliveries();
    deliveries.offer(
        new Delivery(
            "d-1",
            "u-1",
            "2.0.0",
            Artifact.full(1_000, HASH, CHUNK),
            new ArtifactSource() {
              @Override
              public long size() {
                return 1_000;
              }

              @Override
              public int read(long position, byte[] into, int offset, int length)
                  throws IOException {
                throw new IOException("store unavailable");
              }
            }));

    ack(deliveries, "d-1", "u-1", 0);

    assertThat(outbox.commands).containsExactly("d-1: offer u-1", "d-1: cancel u-1");
    assertThat(outbox.chunks).isEmpty();
    assertThat(deliveries.stats().bytesInFlight()).isZero();
  }

  @Test
  void aFailedDeviceReportEndsTheTransferWithItsCode() {
    Deliveries deliveries = deliveries();
    deliveries.offer(delivery("d-1", "u-1", 1_000));
    ack(deliveries, "d-1", "u-1", 0);

    report(
        deliveries,
        "d-1",
        StatusReport.failure("u-1", DeviceState.FAILED, ErrorCode.HASH_MISMATCH, "bad", "1.0.0"));

    assertThat(outbox.reports)
        .last()
        .satisfies(r -> assertThat(r.report().code()).isEqualTo(ErrorCode.HASH_MISMATCH));
    assertThat(deliveries.stats().bytesInFlight()).isZero();
    assertThat(deliveries.stats().activeDeliveries()).isZero();
  }
}
