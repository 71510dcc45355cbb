package dev.firmament.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProtocolCodecTest {

  private static final String SHA = "a".repeat(64);
  private final ProtocolCodec codec = new ProtocolCodec();

  @Test
  void offerRoundTripsWithItsTypeTag() {
    UpdateOffer offer =
        new UpdateOffer("u-1", "2.0.0", Artifact.full(54_356, SHA, 4096), 8, false, null);

    byte[] json = codec.encodeCommand(offer);

    assertThat(new String(json, UTF_8))
        .contains("\"type\":\"offer\"", "\"kind\":\"FULL\"", "\"chunkSize\":4096")
        .doesNotContain("signature", "fromVersion");
    assertThat(codec.decodeCommand(json)).isEqualTo(offer);
  }

  @Test
  void aDowngradeOfferCarriesItsSignedGrantUnchanged() {
    String grant = "{\"deviceId\":\"dev-1\",\"schema\":\"firmament-downgrade-v1\"}";
    UpdateOffer offer =
        new UpdateOffer(
            "u-4",
            "1.0.0",
            Artifact.full(54_356, SHA, 4096),
            8,
            true,
            "c2ln",
            "{}",
            new Downgrade(grant, "Z3JhbnQ="));

    UpdateOffer decoded = (UpdateOffer) codec.decodeCommand(codec.encodeCommand(offer));

    assertThat(decoded).isEqualTo(offer);
    assertThat(decoded.downgrade().grant()).isEqualTo(grant);
    assertThat(new String(codec.encodeCommand(offer), java.nio.charset.StandardCharsets.UTF_8))
        .contains("\"downgrade\":{\"grant\":");
    assertThatThrownBy(() -> new Downgrade("x".repeat(Downgrade.MAX_GRANT_CHARS + 1), "c2ln"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSignedOfferCarriesItsManifestTextUnchanged() {
    String manifest =
        "{\"createdAt\":\"2026-11-25T14:00:00Z\",\"schema\":\"firmament-manifest-v1\","
            + "\"sha256\":\""
            + SHA
            + "\",\"size\":54356,\"version\":\"2.0.0\"}";
    UpdateOffer offer =
        new UpdateOffer(
            "u-3", "2.0.0", Artifact.full(54_356, SHA, 4096), 8, false, "c2ln", manifest);

    UpdateOffer decoded = (UpdateOffer) codec.decodeCommand(codec.encodeCommand(offer));

    assertThat(decoded).isEqualTo(offer);
    assertThat(decoded.manifest()).isEqualTo(manifest);
    // An offer from a peer that does not know the field reads with no manifest.
    assertThat(
            ((UpdateOffer)
                    codec.decodeCommand(
                        codec.encodeCommand(
                            new UpdateOffer(
                                "u-3", "2.0.0", Artifact.full(54_356, SHA, 4096), 8, false, null))))
                .manifest())
        .isNull();
  }

  @Test
  void aManifestLongerThanTheLimitIsABadOffer() {
    String json =
        "{\"type\":\"offer\",\"updateId\":\"u-4\",\"targetVersion\":\"2.0.0\","
            + "\"artifact\":{\"kind\":\"FULL\",\"size\":10,\"sha256\":\""
            + SHA
            + "\",\"chunkSize\":4096},\"window\":8,\"manifest\":\""
            + "x".repeat(UpdateOffer.MAX_MANIFEST_CHARS + 1)
            + "\"}";

    assertThatThrownBy(() -> codec.decodeCommand(json.getBytes(UTF_8)))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("manifest must be at most");
  }

  @Test
  void deltaOfferAndCancelRoundTrip() {
    UpdateOffer delta =
        new UpdateOffer(
            "u-2",
            "2.0.0",
            new Artifact(ArtifactKind.DELTA, "1.0.0", 900, SHA, 256),
            4,
            true,
            "c2ln");
    CancelUpdate cancel = new CancelUpdate("u-2");

    assertThat(codec.decodeCommand(codec.encodeCommand(delta))).isEqualTo(delta);
    assertThat(codec.decodeCommand(codec.encodeCommand(cancel))).isEqualTo(cancel);
    assertThat(new String(codec.encodeCommand(cancel), UTF_8))
        .isEqualTo("{\"type\":\"cancel\",\"updateId\":\"u-2\"}");
  }

  @Test
  void reportAndPresenceRoundTrip() {
    StatusReport report =
        new StatusReport(
            "u-1",
            DeviceState.FAILED,
            null,
            ErrorCode.HASH_MISMATCH,
            "bad",
            "1.0.0",
            Instant.parse("2026-01-02T03:04:05.123456Z"));

    assertThat(new String(codec.encodeReport(report), UTF_8))
        .contains("\"sentAt\":\"2026-01-02T03:04:05.123456Z\"");
    assertThat(codec.decodeReport(codec.encodeReport(report))).isEqualTo(report);
    assertThat(codec.decodePresence(codec.encodePresence(Presence.online("1.0.0"))))
        .isEqualTo(Presence.online("1.0.0"));
    assertThat(new String(codec.encodePresence(Presence.offline()), UTF_8))
        .isEqualTo("{\"online\":false}");
  }

  @Test
  void presenceCarriesWhatTheDeviceSaysAboutItselfAndRefusesWhatItMayNotSay() {
    Presence described =
        Presence.online("1.0.0", new DeviceInfo("stm32f4", "rev C", null, "boot 2.1", "os 5.0"));
    byte[] json = codec.encodePresence(described);
    assertThat(new String(json, UTF_8))
        .isEqualTo(
            "{\"online\":true,\"currentVersion\":\"1.0.0\",\"info\":{\"platform\":\"stm32f4\","
                + "\"hardware\":\"rev C\",\"bootloaderVersion\":\"boot 2.1\",\"systemVersion\":"
                + "\"os 5.0\"}}");
    assertThat(codec.decodePresence(json)).isEqualTo(described);
    // Without info, as devices before it and the last will send it.
    assertThat(
            codec
                .decodePresence("{\"online\":true,\"currentVersion\":\"1.0.0\"}".getBytes(UTF_8))
                .info())
        .isNull();

    String tooLong = "x".repeat(DeviceInfo.MAX_LENGTH + 1);
    for (String bad :
        List.of(
            "{\"online\":true,\"currentVersion\":\"1\",\"info\":{\"platform\":\""
                + tooLong
                + "\"}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"info\":{\"radio\":\"\"}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"info\":{\"hardware\":\"a\\nb\"}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"info\":{\"systemVersion\":\"é\"}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"info\":{\"bootloaderVersion\":\"a\\tb\"}}")) {
      assertThatThrownBy(() -> codec.decodePresence(bad.getBytes(UTF_8)))
          .as(bad)
          .isInstanceOf(MalformedMessageException.class);
    }
    assertThat(new DeviceInfo(null, null, null, null, "x".repeat(DeviceInfo.MAX_LENGTH)))
        .isNotNull();
  }

  @Test
  void presenceDeclaresTheArtifactKindsADeviceInstalls() {
    Presence declared =
        Presence.online("1.0.0")
            .withCapabilities(
                DeviceCapabilities.of(
                    ArtifactKind.FULL, ArtifactKind.DELTA, ArtifactKind.DELTA_CHAIN));
    byte[] json = codec.encodePresence(declared);
    assertThat(new String(json, UTF_8))
        .isEqualTo(
            "{\"online\":true,\"currentVersion\":\"1.0.0\",\"capabilities\":{\"artifacts\":"
                + "[\"FULL\",\"DELTA\",\"DELTA_CHAIN\"]}}");
    Presence decoded = codec.decodePresence(json);
    assertThat(decoded).isEqualTo(declared);
    assertThat(decoded.capabilities().accepts(ArtifactKind.DELTA_CHAIN)).isTrue();

    // A device that says nothing is offered what every device always was.
    Presence silent =
        codec.decodePresence("{\"online\":true,\"currentVersion\":\"1\"}".getBytes(UTF_8));
    assertThat(silent.capabilities()).isNull();
    DeviceCapabilities offered = DeviceCapabilities.orDefault(silent.capabilities());
    assertThat(offered.accepts(ArtifactKind.FULL)).isTrue();
    assertThat(offered.accepts(ArtifactKind.DELTA)).isTrue();
    assertThat(offered.accepts(ArtifactKind.DELTA_CHAIN)).isFalse();
    assertThat(DeviceCapabilities.orDefault(declared.capabilities()))
        .isSameAs(declared.capabilities());

    // A kind from a newer device is kept and ignored, not a malformed presence.
    Presence newer =
        codec.decodePresence(
            ("{\"online\":true,\"currentVersion\":\"1\",\"capabilities\":{\"artifacts\":"
                    + "[\"FULL\",\"HTTPS_RANGE2\"]}}")
                .getBytes(UTF_8));
    assertThat(newer.capabilities().accepts(ArtifactKind.FULL)).isTrue();
    assertThat(newer.capabilities().accepts(ArtifactKind.DELTA)).isFalse();
    assertThat(newer.capabilities().artifacts()).containsExactly("FULL", "HTTPS_RANGE2");

    String many =
        String.join(
            ",",
            java.util.stream.IntStream.rangeClosed(0, DeviceCapabilities.MAX_ARTIFACTS)
                .mapToObj(i -> "\"K" + i + "\"")
                .toList());
    for (String bad :
        List.of(
            "{}",
            "{\"artifacts\":[" + many + "]}",
            "{\"artifacts\":[\"FULL\",\"FULL\"]}",
            "{\"artifacts\":[\"full\"]}",
            "{\"artifacts\":[\"\"]}",
            "{\"artifacts\":[\"1FULL\"]}",
            "{\"artifacts\":[\"" + "K".repeat(33) + "\"]}",
            "{\"artifacts\":[null]}")) {
      String presence = "{\"online\":true,\"currentVersion\":\"1\",\"capabilities\":" + bad + "}";
      assertThatThrownBy(() -> codec.decodePresence(presence.getBytes(UTF_8)))
          .as(bad)
          .isInstanceOf(MalformedMessageException.class);
    }
    assertThat(new DeviceCapabilities(List.of("K".repeat(32))).artifacts()).hasSize(1);
  }

  @Test
  void downloadLinksTransportsAndByteCountsRoundTripAndAreChecked() {
    UpdateOffer offer =
        new UpdateOffer("u-1", "2.0.0", Artifact.full(10, SHA, 64), 8, false, null)
            .withDownload(
                new DownloadLink("https://cdn.example/a?X-Amz-Signature=1", Instant.EPOCH));
    assertThat(codec.decodeCommand(codec.encodeCommand(offer))).isEqualTo(offer);
    StatusReport asks =
        StatusReport.downloading("u-1", 40, "1.0.0").withReceived(40).withLinkExpired();
    StatusReport decoded = codec.decodeReport(codec.encodeReport(asks));
    assertThat(decoded).isEqualTo(asks);
    assertThat(decoded.asksForLink()).isTrue();
    assertThat(decoded.received()).isEqualTo(40L);
    assertThat(StatusReport.downloading("u-1", 40, "1.0.0").asksForLink()).isFalse();

    DeviceCapabilities https =
        DeviceCapabilities.of(ArtifactKind.FULL)
            .withTransports(Transport.MQTT, Transport.HTTPS)
            .withMaxChunkSize(1024);
    Presence presence = Presence.online("1.0.0", null, null).withCapabilities(https);
    assertThat(codec.decodePresence(codec.encodePresence(presence)).capabilities())
        .isEqualTo(https);
    assertThat(https.supports(Transport.HTTPS)).isTrue();
    assertThat(https.chunkSize(4096)).isEqualTo(1024);
    assertThat(https.chunkSize(512)).isEqualTo(512);
    DeviceCapabilities silent = DeviceCapabilities.of(ArtifactKind.FULL);
    assertThat(silent.supports(Transport.MQTT)).isTrue();
    assertThat(silent.supports(Transport.HTTPS)).isFalse();
    assertThat(silent.chunkSize(4096)).isEqualTo(4096);
    assertThat(DeviceCapabilities.ofStored("FULL", "MQTT,HTTPS", 512))
        .isEqualTo(
            DeviceCapabilities.of(ArtifactKind.FULL)
                .withTransports(Transport.MQTT, Transport.HTTPS)
                .withMaxChunkSize(512));
    assertThat(DeviceCapabilities.ofStored("FULL", null, null).supports(Transport.HTTPS)).isFalse();

    assertThatThrownBy(() -> new DownloadLink("ftp://x/y", Instant.EPOCH))
        .hasMessage("download.url must be an https:// (or http://) URL");
    assertThatThrownBy(() -> new DownloadLink("https://" + "x".repeat(4089), Instant.EPOCH))
        .hasMessage("download.url must be at most 4096 characters");
    assertThat(new DownloadLink("https://" + "x".repeat(4088), Instant.EPOCH).url()).hasSize(4096);
    assertThat(StatusReport.downloading("u-1", 0, "1").withReceived(0).received()).isZero();
    List<String> sixteen = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "T" + i).toList();
    assertThat(new DeviceCapabilities(List.of("FULL"), sixteen, null).transports()).hasSize(16);
    List<String> seventeen = new java.util.ArrayList<>(sixteen);
    seventeen.add("T16");
    assertThatThrownBy(() -> new DeviceCapabilities(List.of("FULL"), seventeen, null))
        .hasMessage("capabilities.transports names at most 16 transports");
    assertThatThrownBy(() -> new DownloadLink("https://x/y", null))
        .hasMessage("download.expiresAt is required");
    assertThatThrownBy(() -> new DownloadLink(null, Instant.EPOCH))
        .hasMessage("download.url is required");
    assertThatThrownBy(() -> StatusReport.of("u-1", DeviceState.VERIFYING, "1").withLinkExpired())
        .hasMessage("only a DOWNLOADING report says linkExpired");
    assertThatThrownBy(() -> StatusReport.downloading("u-1", 1, "1").withReceived(-1))
        .hasMessage("received must not be negative, was -1");
    assertThatThrownBy(() -> silent.withMaxChunkSize(63))
        .hasMessage("capabilities.maxChunkSize must be in [64, 1048576], was 63");
    assertThatThrownBy(() -> silent.withMaxChunkSize((1 << 20) + 1))
        .hasMessageStartingWith("capabilities.maxChunkSize must be in");
    assertThat(silent.withMaxChunkSize(64).maxChunkSize()).isEqualTo(64);
    assertThat(silent.withMaxChunkSize(1 << 20).maxChunkSize()).isEqualTo(1 << 20);
    assertThatThrownBy(
            () -> new DeviceCapabilities(List.of("FULL"), List.of("HTTPS", "HTTPS"), null))
        .hasMessage("capabilities.transports names each transport once");
    assertThatThrownBy(() -> new DeviceCapabilities(List.of("FULL"), List.of("https"), null))
        .hasMessage(
            "capabilities.transports: each is 1 to 32 of [A-Z0-9_], starting with a letter");
  }

  @Test
  void aSingleSlotDeviceDeclaresItsLayout() {
    DeviceCapabilities single =
        DeviceCapabilities.of(ArtifactKind.DELTA_IN_PLACE)
            .withSlot(SlotLayout.inPlace(512 * 1024, 4096));
    Presence presence = Presence.online("1.0.0", null, null).withCapabilities(single);
    byte[] json = codec.encodePresence(presence);
    assertThat(new String(json, UTF_8))
        .contains(
            "\"capabilities\":{\"artifacts\":[\"DELTA_IN_PLACE\"],"
                + "\"slot\":{\"mode\":\"IN_PLACE\",\"size\":524288,\"segment\":4096}}");
    assertThat(codec.decodePresence(json).capabilities()).isEqualTo(single);
    assertThat(single.installsInPlace()).isTrue();
    assertThat(DeviceCapabilities.of(ArtifactKind.FULL).installsInPlace()).isFalse();
    assertThat(
            DeviceCapabilities.of(ArtifactKind.FULL)
                .withSlot(new SlotLayout(SlotLayout.AB, null, null))
                .installsInPlace())
        .isFalse();
    // A mode from a newer device is kept, and served as two slots.
    DeviceCapabilities newer =
        codec
            .decodePresence(
                ("{\"online\":true,\"currentVersion\":\"1\",\"capabilities\":{\"artifacts\":"
                        + "[\"FULL\"],\"slot\":{\"mode\":\"SWAP_SCRATCH\"}}}")
                    .getBytes(UTF_8))
            .capabilities();
    assertThat(newer.slot().mode()).isEqualTo("SWAP_SCRATCH");
    assertThat(newer.installsInPlace()).isFalse();
    assertThat(DeviceCapabilities.ofStored("DELTA_IN_PLACE", null, null, single.slot()))
        .isEqualTo(single);
    assertThat(new DeviceCapabilities(List.of("FULL"), null, null))
        .isEqualTo(new DeviceCapabilities(List.of("FULL")));
    assertThat(
            new Artifact(ArtifactKind.DELTA_IN_PLACE, "1.0.0", 10, SHA, 256)
                .kind()
                .needsBaseImage())
        .isTrue();

    assertThatThrownBy(() -> new SlotLayout(SlotLayout.IN_PLACE, null, 4096))
        .hasMessage("capabilities.slot: an IN_PLACE slot needs its size and segment");
    assertThatThrownBy(() -> new SlotLayout(SlotLayout.IN_PLACE, 8192L, null))
        .hasMessage("capabilities.slot: an IN_PLACE slot needs its size and segment");
    assertThatThrownBy(() -> SlotLayout.inPlace(8192, 3000))
        .hasMessage(
            "capabilities.slot.segment must be a power of two from 512 to 1048576, was 3000");
    assertThatThrownBy(() -> SlotLayout.inPlace(8192, 256))
        .hasMessageStartingWith("capabilities.slot.segment must be a power of two");
    assertThatThrownBy(() -> SlotLayout.inPlace(8192, 1 << 21))
        .hasMessageStartingWith("capabilities.slot.segment must be a power of two");
    assertThat(SlotLayout.inPlace(8192, 512).segment()).isEqualTo(512);
    assertThat(SlotLayout.inPlace(1L << 32, 1 << 20).size()).isEqualTo(1L << 32);
    assertThatThrownBy(() -> SlotLayout.inPlace(10_000, 4096))
        .hasMessageStartingWith("capabilities.slot.size must be positive, at most 4 GiB");
    assertThatThrownBy(() -> SlotLayout.inPlace(0, 4096))
        .hasMessageStartingWith("capabilities.slot.size must be positive");
    assertThatThrownBy(() -> SlotLayout.inPlace((1L << 32) + 4096, 4096))
        .hasMessageStartingWith("capabilities.slot.size must be positive");
    assertThatThrownBy(() -> new SlotLayout("in_place", null, null))
        .hasMessage("capabilities.slot.mode is 1 to 32 of [A-Z0-9_], starting with a letter");
    assertThatThrownBy(() -> new SlotLayout(null, null, null))
        .hasMessage("capabilities.slot.mode is 1 to 32 of [A-Z0-9_], starting with a letter");
  }

  @Test
  void deltaFiltersSayWhichNativePatchesADeviceDecodes() {
    DeviceCapabilities named =
        codec
            .decodePresence(
                """
                {"online":true,"currentVersion":"1.0.0","capabilities":{
                 "artifacts":["FULL","DELTA"],"deltaFilters":["THUMB_BL","ARM64"]}}"""
                    .getBytes(UTF_8))
            .capabilities();
    assertThat(named.deltaFilters()).containsExactly("THUMB_BL", "ARM64");
    assertThat(named.decodesFilter("ARM64")).isTrue();
    assertThat(named.decodesFilter("THUMB_BL")).isTrue();
    assertThat(named.decodesFilter("ARM_BL")).isFalse();
    assertThat(named.decodesFilter("X86")).isFalse();
    // No filter, and a patch whose filter was not recorded, every applier decodes.
    assertThat(named.decodesFilter("NONE")).isTrue();
    assertThat(named.decodesFilter(null)).isTrue();
    // A device that names none decodes what every applier always has.
    DeviceCapabilities silent = DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA);
    assertThat(silent.deltaFilters()).isNull();
    assertThat(DeviceCapabilities.LEGACY_FILTERS).allMatch(silent::decodesFilter);
    assertThat(silent.decodesFilter("ARM64")).isFalse();
    assertThat(silent.decodesFilter("RISCV")).isFalse();
    // An empty list names no filter at all.
    DeviceCapabilities none = silent.withDeltaFilters(List.of());
    assertThat(none.decodesFilter("THUMB_BL")).isFalse();
    assertThat(none.decodesFilter("NONE")).isTrue();
    // A patch with an ABS32 table needs its filter and ABS32 named; no device has it by default.
    DeviceCapabilities abs32 = silent.withDeltaFilters(List.of("THUMB_BL", "ABS32"));
    assertThat(abs32.decodesFilter("THUMB_BL+ABS32")).isTrue();
    assertThat(abs32.decodesFilter("NONE+ABS32")).isTrue();
    assertThat(abs32.decodesFilter("ARM64+ABS32")).isFalse();
    assertThat(named.decodesFilter("THUMB_BL+ABS32")).isFalse();
    assertThat(named.decodesFilter("NONE+ABS32")).isFalse();
    assertThat(silent.decodesFilter("THUMB_BL+ABS32")).isFalse();
    assertThat(silent.decodesFilter("THUMB_BL+")).isFalse();
    // Filter regions likewise.
    DeviceCapabilities regions = silent.withDeltaFilters(List.of("ARM64", "REGIONS"));
    assertThat(regions.decodesFilter("ARM64+REGIONS")).isTrue();
    assertThat(regions.decodesFilter("THUMB_BL+REGIONS")).isFalse();
    assertThat(abs32.decodesFilter("THUMB_BL+REGIONS")).isFalse();
    assertThat(silent.decodesFilter("THUMB_BL+REGIONS")).isFalse();
    // Round trip, kept through the other builders, and not written when absent.
    DeviceCapabilities all =
        silent
            .withDeltaFilters(List.of("X86", "RISCV"))
            .withTransports(Transport.MQTT)
            .withMaxChunkSize(1024)
            .withSlot(null);
    assertThat(all.deltaFilters()).containsExactly("X86", "RISCV");
    Presence p = Presence.online("1.0.0").withCapabilities(all);
    assertThat(codec.decodePresence(codec.encodePresence(p))).isEqualTo(p);
    assertThat(
            new String(codec.encodePresence(Presence.online("1").withCapabilities(silent)), UTF_8))
        .doesNotContain("deltaFilters");
    assertThat(
            DeviceCapabilities.ofStored("FULL,DELTA", null, null, null, "ARM64,X86", null)
                .deltaFilters())
        .containsExactly("ARM64", "X86");
    assertThat(DeviceCapabilities.ofStored("FULL", null, null, null, "", null).deltaFilters())
        .isEmpty();
    assertThat(DeviceCapabilities.ofStored("FULL", null, null, null, null, null).deltaFilters())
        .isNull();
    // Checked like the other lists.
    assertThatThrownBy(() -> silent.withDeltaFilters(List.of("ARM64", "ARM64")))
        .hasMessage("capabilities.deltaFilters names each filter once");
    assertThatThrownBy(() -> silent.withDeltaFilters(List.of("arm64")))
        .hasMessage(
            "capabilities.deltaFilters: each is 1 to 32 of [A-Z0-9_], starting with a letter");
    List<String> seventeen =
        java.util.stream.IntStream.range(0, 17).mapToObj(i -> "F" + i).toList();
    assertThatThrownBy(() -> silent.withDeltaFilters(seventeen))
        .hasMessage("capabilities.deltaFilters names at most 16 filters");
    assertThat(silent.withDeltaFilters(seventeen.subList(0, 16)).deltaFilters()).hasSize(16);
  }

  @Test
  void deltaCodecsSayWhichEntropyStagesADeviceDecodes() {
    DeviceCapabilities silent = DeviceCapabilities.of(ArtifactKind.FULL, ArtifactKind.DELTA);
    assertThat(silent.deltaCodecs()).isNull();
    assertThat(silent.decodesCodec("ZSTD")).isTrue();
    assertThat(silent.decodesCodec(null)).isTrue();
    assertThat(silent.decodesCodec("LZMA")).isFalse();
    DeviceCapabilities lzma =
        codec
            .decodePresence(
                """
                {"online":true,"currentVersion":"1.0.0",
                 "capabilities":{"artifacts":["DELTA"],"deltaCodecs":["LZMA"]}}"""
                    .getBytes(UTF_8))
            .capabilities();
    assertThat(lzma.deltaCodecs()).containsExactly("LZMA");
    assertThat(lzma.decodesCodec("LZMA")).isTrue();
    assertThat(lzma.decodesCodec("ZSTD")).isTrue();
    assertThat(lzma.decodesCodec("BROTLI")).isFalse();
    // Kept through the other builders; round trip; stored form.
    DeviceCapabilities all =
        lzma.withDeltaFilters(List.of("ARM64")).withMaxChunkSize(512).withSlot(null);
    assertThat(all.deltaCodecs()).containsExactly("LZMA");
    assertThat(all.withTransports(Transport.HTTPS).deltaCodecs()).containsExactly("LZMA");
    Presence p = Presence.online("1.0.0").withCapabilities(all);
    assertThat(codec.decodePresence(codec.encodePresence(p))).isEqualTo(p);
    assertThat(
            DeviceCapabilities.ofStored("DELTA", null, null, null, null, "LZMA,ZSTD").deltaCodecs())
        .containsExactly("LZMA", "ZSTD");
    assertThat(silent.withDeltaCodecs(List.of("LZMA")).decodesCodec("LZMA")).isTrue();
    assertThat(DeviceCapabilities.ofStored("FULL").artifacts()).containsExactly("FULL");
    assertThatThrownBy(() -> silent.withDeltaCodecs(List.of("LZMA", "LZMA")))
        .hasMessage("capabilities.deltaCodecs names each codec once");
    assertThatThrownBy(() -> silent.withDeltaCodecs(List.of("lzma")))
        .hasMessage(
            "capabilities.deltaCodecs: each is 1 to 32 of [A-Z0-9_], starting with a letter");
  }

  @Test
  void capabilitiesAndArtifactsAreCheckedToTheirLimits() {
    assertThatThrownBy(() -> new DeviceCapabilities(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capabilities.artifacts is required");
    List<String> sixteen =
        java.util.stream.IntStream.range(0, DeviceCapabilities.MAX_ARTIFACTS)
            .mapToObj(i -> "K" + i)
            .toList();
    assertThat(new DeviceCapabilities(sixteen).artifacts()).hasSize(16);
    List<String> seventeen = new java.util.ArrayList<>(sixteen);
    seventeen.add("K16");
    assertThatThrownBy(() -> new DeviceCapabilities(seventeen))
        .hasMessage("capabilities.artifacts names at most 16 kinds");
    assertThatThrownBy(() -> new DeviceCapabilities(List.of("FULL", "FULL")))
        .hasMessage("capabilities.artifacts names each kind once");

    assertThatThrownBy(() -> new Artifact(null, null, 1, SHA, 64))
        .hasMessage("artifact.kind is required");
    assertThatThrownBy(() -> Artifact.full(0, SHA, 64))
        .hasMessage("artifact.size must be positive, was 0");
    assertThat(Artifact.full(1, SHA, 64).chunkCount()).isEqualTo(1);
    assertThat(Artifact.full(129, SHA, 64).chunkCount()).isEqualTo(3);
    assertThat(Artifact.full(128, SHA, 64).chunkCount()).isEqualTo(2);
    assertThatThrownBy(() -> Artifact.full(1, SHA.toUpperCase(), 64))
        .hasMessage("artifact.sha256 must be 64 lowercase hex digits");
    assertThatThrownBy(() -> Artifact.full(1, null, 64))
        .hasMessage("artifact.sha256 must be 64 lowercase hex digits");
    assertThatThrownBy(() -> Artifact.full(1, SHA, Artifact.MIN_CHUNK_SIZE - 1))
        .hasMessageStartingWith("artifact.chunkSize must be in [64, 1048576]");
    assertThatThrownBy(() -> Artifact.full(1, SHA, Artifact.MAX_CHUNK_SIZE + 1))
        .hasMessageStartingWith("artifact.chunkSize must be in [64, 1048576]");
    assertThat(Artifact.full(1, SHA, Artifact.MAX_CHUNK_SIZE).chunkSize()).isEqualTo(1 << 20);
    assertThat(new Artifact(ArtifactKind.DELTA_CHAIN, "1.0", 1, SHA, 64).fromVersion())
        .isEqualTo("1.0");
    assertThatThrownBy(() -> new Artifact(ArtifactKind.DELTA_CHAIN, " ", 1, SHA, 64))
        .hasMessage("artifact.fromVersion is required for a DELTA_CHAIN artifact");
    assertThat(ArtifactKind.FULL.needsBaseImage()).isFalse();
    assertThat(ArtifactKind.DELTA.needsBaseImage()).isTrue();
    assertThat(ArtifactKind.DELTA_CHAIN.needsBaseImage()).isTrue();

    assertThatThrownBy(() -> new Presence(true, null)).hasMessage("currentVersion is required");
    assertThat(new Presence(false, null).online()).isFalse();
  }

  @Test
  void presenceDeclaresFunctionsAndVariablesInTheDevicesOrderAndRefusesBadDeclarations() {
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("uptime", "int32");
    variables.put("temperature", "double");
    Presence declared =
        Presence.online("1.0.0", null, new CloudInterface(List.of("reboot", "led"), variables));
    byte[] json = codec.encodePresence(declared);
    assertThat(new String(json, UTF_8))
        .isEqualTo(
            "{\"online\":true,\"currentVersion\":\"1.0.0\",\"cloud\":{\"functions\":"
                + "[\"reboot\",\"led\"],\"variables\":{\"uptime\":\"int32\","
                + "\"temperature\":\"double\"}}}");
    Presence decoded = codec.decodePresence(json);
    assertThat(decoded).isEqualTo(declared);
    assertThat(decoded.cloud().variables().keySet()).containsExactly("uptime", "temperature");
    // Absent: nothing declared in this message (what was declared before stays).
    assertThat(
            codec
                .decodePresence("{\"online\":true,\"currentVersion\":\"1.0.0\"}".getBytes(UTF_8))
                .cloud())
        .isNull();
    // Present but empty: the device exposes nothing.
    assertThat(
            codec
                .decodePresence(
                    "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{}}".getBytes(UTF_8))
                .cloud())
        .isEqualTo(CloudInterface.NONE);

    String many =
        String.join(
            ",",
            java.util.stream.IntStream.rangeClosed(0, CloudInterface.MAX_ENTRIES)
                .mapToObj(i -> "\"f" + i + "\"")
                .toList());
    for (String bad :
        List.of(
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"functions\":[" + many + "]}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"functions\":[\"a\",\"a\"]}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"functions\":[\"a b\"]}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"functions\":[\"\"]}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"functions\":[\""
                + "f".repeat(CloudInterface.MAX_NAME_LENGTH + 1)
                + "\"]}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"variables\":{\"t\":\"float\"}}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"variables\":{\"t\":null}}}",
            "{\"online\":true,\"currentVersion\":\"1\",\"cloud\":{\"variables\":{\"a/b\":\"int32\"}}}")) {
      assertThatThrownBy(() -> codec.decodePresence(bad.getBytes(UTF_8)))
          .as(bad)
          .isInstanceOf(MalformedMessageException.class);
    }
    assertThat(
            new CloudInterface(
                    java.util.stream.IntStream.range(0, CloudInterface.MAX_ENTRIES)
                        .mapToObj(i -> "f" + i)
                        .toList(),
                    Map.of("f".repeat(CloudInterface.MAX_NAME_LENGTH), "bool"))
                .functions())
        .hasSize(CloudInterface.MAX_ENTRIES);
    Map<String, String> most = new LinkedHashMap<>();
    java.util.stream.IntStream.range(0, CloudInterface.MAX_ENTRIES)
        .forEach(i -> most.put("v" + i, "string"));
    assertThat(new CloudInterface(null, most).variables()).hasSize(CloudInterface.MAX_ENTRIES);
    most.put("one-more", "string");
    assertThatThrownBy(() -> new CloudInterface(null, most))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most " + CloudInterface.MAX_ENTRIES + " variables");
  }

  @Test
  void chunkFrameRoundTripsAndHasTheDocumentedLayout() {
    ChunkFrame chunk = new ChunkFrame("u1", 4096, new byte[] {7, 8, 9});

    byte[] frame = codec.encodeChunk(chunk);

    assertThat(frame)
        .containsExactly(
            0x46, 0x57, 0x43, 0x01, // magic "FWC", version 1
            2, 'u', '1', // update id length and bytes
            0, 0, 0, 0, 0, 0, 0x10, 0x00, // offset 4096, big-endian
            7, 8, 9); // payload
    assertThat(codec.decodeChunk(frame)).isEqualTo(chunk);
  }

  @Test
  void unknownPropertiesAreIgnoredAndUnknownErrorCodesReadAsUnknown() {
    String json =
        "{\"updateId\":\"u\",\"state\":\"FAILED\",\"code\":\"SOLAR_FLARE\",\"currentVersion\":\"1\",\"extra\":1}";

    assertThat(codec.decodeReport(json.getBytes(UTF_8)).code()).isEqualTo(ErrorCode.UNKNOWN);
  }

  @Test
  void malformedCommandsAreRejectedWithAClearMessageAndTheUpdateIdIfReadable() {
    assertMalformedCommand("not json", "invalid command", null);
    assertMalformedCommand("{\"updateId\":\"u-9\"}", "invalid command", "u-9");
    assertMalformedCommand("{\"type\":\"reboot\",\"updateId\":\"u-9\"}", "invalid command", "u-9");
    assertMalformedCommand(
        "{\"type\":\"offer\",\"updateId\":\"u-9\",\"targetVersion\":\"2\",\"window\":8,"
            + "\"artifact\":{\"kind\":\"FULL\",\"size\":10,\"sha256\":\"xyz\",\"chunkSize\":4096}}",
        "artifact.sha256 must be 64 lowercase hex digits",
        "u-9");
    assertMalformedCommand(
        "{\"type\":\"offer\",\"updateId\":\"u-9\",\"targetVersion\":\"2\",\"window\":0,"
            + "\"artifact\":{\"kind\":\"FULL\",\"size\":10,\"sha256\":\""
            + SHA
            + "\",\"chunkSize\":4096}}",
        "window must be in [1, 1024]",
        "u-9");
    assertMalformedCommand(
        "{\"type\":\"offer\",\"updateId\":\"u-9\",\"targetVersion\":\"2\",\"window\":8,"
            + "\"artifact\":{\"kind\":\"DELTA\",\"size\":10,\"sha256\":\""
            + SHA
            + "\",\"chunkSize\":4096}}",
        "artifact.fromVersion is required for a DELTA artifact",
        "u-9");
    assertMalformedCommand(
        "{\"type\":\"offer\",\"updateId\":\"u-9\",\"targetVersion\":\"2\",\"window\":8,"
            + "\"artifact\":{\"kind\":\"DELTA_CHAIN\",\"size\":10,\"sha256\":\""
            + SHA
            + "\",\"chunkSize\":4096}}",
        "artifact.fromVersion is required for a DELTA_CHAIN artifact",
        "u-9");
    assertMalformedCommand(
        "{\"type\":\"cancel\",\"updateId\":\"u\"} trailing", "invalid command", null);
  }

  @Test
  void malformedReportsAreRejected() {
    assertThatThrownBy(
            () ->
                codec.decodeReport(
                    bytes(
                        "{\"updateId\":\"u\",\"state\":\"DOWNLOADING\",\"currentVersion\":\"1\"}")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("a DOWNLOADING report needs an offset");
    assertThatThrownBy(
            () ->
                codec.decodeReport(
                    bytes(
                        "{\"updateId\":\"u\",\"state\":\"DOWNLOADING\",\"offset\":-1,\"currentVersion\":\"1\"}")))
        .hasMessageContaining("offset must not be negative");
    assertThatThrownBy(
            () ->
                codec.decodeReport(
                    bytes("{\"updateId\":\"u\",\"state\":\"DANCING\",\"currentVersion\":\"1\"}")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("DANCING");
    assertThatThrownBy(
            () ->
                codec.decodeReport(
                    bytes("{\"updateId\":\"u\",\"state\":\"REJECTED\",\"currentVersion\":\"1\"}")))
        .hasMessageContaining("a REJECTED report needs a code");
    assertThatThrownBy(
            () -> codec.decodeReport(bytes("{\"state\":\"SUCCEEDED\",\"currentVersion\":\"1\"}")))
        .hasMessageContaining("updateId is required");
    assertThatThrownBy(() -> codec.decodeReport(new byte[0])).hasMessage("empty status report");
    assertThatThrownBy(() -> codec.decodeReport(new byte[ProtocolCodec.MAX_JSON_BYTES + 1]))
        .hasMessageContaining("too large");
  }

  @Test
  void aRejectionOfAnUnreadableOfferMayOmitTheUpdateId() {
    StatusReport report =
        StatusReport.failure(null, DeviceState.REJECTED, ErrorCode.BAD_OFFER, "garbage", "1.0.0");

    assertThat(codec.decodeReport(codec.encodeReport(report))).isEqualTo(report);
  }

  @Test
  void malformedChunkFramesAreRejected() {
    byte[] good = codec.encodeChunk(new ChunkFrame("u1", 0, new byte[] {1}));

    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    byte[] version2 = good.clone();
    version2[3] = 2;
    byte[] idTooLong = good.clone();
    idTooLong[4] = (byte) 200;
    byte[] noPayload = java.util.Arrays.copyOf(good, good.length - 1);

    assertThatThrownBy(() -> codec.decodeChunk(badMagic)).hasMessageContaining("bad magic");
    assertThatThrownBy(() -> codec.decodeChunk(version2))
        .hasMessageContaining("unsupported chunk frame version 2");
    assertThatThrownBy(() -> codec.decodeChunk(idTooLong)).hasMessageContaining("does not fit");
    assertThatThrownBy(() -> codec.decodeChunk(noPayload))
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> codec.decodeChunk(new byte[3])).hasMessageContaining("too short");
  }

  private void assertMalformedCommand(String json, String message, String updateId) {
    assertThatThrownBy(() -> codec.decodeCommand(bytes(json)))
        .isInstanceOfSatisfying(
            MalformedMessageException.class, e -> assertThat(e.updateId()).isEqualTo(updateId))
        .hasMessageContaining(message);
  }

  @Test
  void callsAndRepliesRoundTripInTheDocumentedShapes() {
    assertThat(new String(codec.encodeCall(new CloudCall.Function("led", "on")), UTF_8))
        .isEqualTo("{\"type\":\"function\",\"name\":\"led\",\"argument\":\"on\"}");
    assertThat(new String(codec.encodeCall(new CloudCall.Variable("uptime")), UTF_8))
        .isEqualTo("{\"type\":\"variable\",\"name\":\"uptime\"}");
    assertThat(codec.decodeCall(bytes("{\"type\":\"function\",\"name\":\"reboot\"}")))
        .isEqualTo(new CloudCall.Function("reboot", ""));
    assertThat(codec.decodeCall(bytes("{\"type\":\"variable\",\"name\":\"t\"}")))
        .isEqualTo(new CloudCall.Variable("t"));
    assertThat(new String(codec.encodeCall(new CloudCall.Ping()), UTF_8))
        .isEqualTo("{\"type\":\"ping\"}");
    assertThat(codec.decodeCall(bytes("{\"type\":\"ping\"}"))).isEqualTo(new CloudCall.Ping());
    assertThat(new CloudCall.Ping().name()).isEqualTo("ping");
    String longest = "é".repeat(CloudCall.MAX_ARGUMENT_BYTES / 2);
    assertThat(
            ((CloudCall.Function)
                    codec.decodeCall(codec.encodeCall(new CloudCall.Function("f", longest))))
                .argument())
        .isEqualTo(longest);

    assertThat(new String(codec.encodeReply(CloudReply.returned(-3)), UTF_8))
        .isEqualTo("{\"ok\":true,\"returnValue\":-3}");
    assertThat(new String(codec.encodeReply(CloudReply.value("double", 21.5)), UTF_8))
        .isEqualTo("{\"ok\":true,\"type\":\"double\",\"value\":21.5}");
    assertThat(
            new String(
                codec.encodeReply(CloudReply.refused(CallError.UNKNOWN_FUNCTION, "no such")),
                UTF_8))
        .isEqualTo("{\"ok\":false,\"code\":\"UNKNOWN_FUNCTION\",\"message\":\"no such\"}");
    assertThat(codec.decodeReply(bytes("{\"ok\":true,\"returnValue\":7}")))
        .isEqualTo(CloudReply.returned(7));
    // A double variable may arrive as an integer; it is read as a double.
    assertThat(codec.decodeReply(bytes("{\"ok\":true,\"type\":\"double\",\"value\":21}")).value())
        .isEqualTo(21.0);
    assertThat(
            codec
                .decodeReply(bytes("{\"ok\":true,\"type\":\"int32\",\"value\":-2147483648}"))
                .value())
        .isEqualTo(Integer.MIN_VALUE);
    assertThat(
            codec.decodeReply(bytes("{\"ok\":true,\"type\":\"string\",\"value\":\"x\"}")).value())
        .isEqualTo("x");
    assertThat(codec.decodeReply(bytes("{\"ok\":true,\"type\":\"bool\",\"value\":false}")).value())
        .isEqualTo(false);
    assertThat(
            codec
                .decodeReply(
                    codec.encodeReply(
                        CloudReply.value("string", "é".repeat(CloudReply.MAX_STRING_BYTES / 2))))
                .value())
        .isEqualTo("é".repeat(CloudReply.MAX_STRING_BYTES / 2));
    // A code this version does not know reads as FAILED.
    assertThat(codec.decodeReply(bytes("{\"ok\":false,\"code\":\"ON_FIRE\"}")).code())
        .isEqualTo(CallError.FAILED);
    assertThat(codec.decodeReply(bytes("{\"ok\":false,\"code\":\"BUSY\"}")))
        .isEqualTo(CloudReply.refused(CallError.BUSY, null));
  }

  @Test
  void malformedCallsAndRepliesAreRefusedWithTheReason() {
    for (String bad :
        List.of(
            "{\"type\":\"reboot\",\"name\":\"x\"}",
            "{\"name\":\"x\"}",
            "{\"type\":\"function\"}",
            "{\"type\":\"function\",\"name\":\"a b\"}",
            "{\"type\":\"variable\",\"name\":\"\"}",
            "{\"type\":\"function\",\"name\":\"f\",\"argument\":\""
                + "a".repeat(CloudCall.MAX_ARGUMENT_BYTES + 1)
                + "\"}")) {
      assertThatThrownBy(() -> codec.decodeCall(bytes(bad)))
          .as(bad)
          .isInstanceOf(MalformedMessageException.class);
    }
    assertThatThrownBy(
            () -> new CloudCall.Function("f", "é".repeat(CloudCall.MAX_ARGUMENT_BYTES / 2 + 1)))
        .hasMessageContaining("at most " + CloudCall.MAX_ARGUMENT_BYTES + " UTF-8 bytes");
    for (String bad :
        List.of(
            "{\"ok\":true}",
            "{\"ok\":true,\"returnValue\":1,\"type\":\"int32\"}",
            "{\"ok\":true,\"returnValue\":1,\"value\":1}",
            "{\"ok\":true,\"returnValue\":1,\"code\":\"BUSY\"}",
            "{\"ok\":true,\"returnValue\":1,\"message\":\"m\"}",
            "{\"ok\":true,\"returnValue\":2147483648}",
            "{\"ok\":true,\"type\":\"int32\"}",
            "{\"ok\":true,\"type\":\"int32\",\"value\":2147483648}",
            "{\"ok\":true,\"type\":\"int32\",\"value\":1.5}",
            "{\"ok\":true,\"type\":\"int32\",\"value\":\"1\"}",
            "{\"ok\":true,\"type\":\"double\",\"value\":\"1\"}",
            "{\"ok\":true,\"type\":\"string\",\"value\":1}",
            "{\"ok\":true,\"type\":\"string\",\"value\":\""
                + "a".repeat(CloudReply.MAX_STRING_BYTES + 1)
                + "\"}",
            "{\"ok\":true,\"type\":\"bool\",\"value\":1}",
            "{\"ok\":true,\"type\":\"float\",\"value\":1}",
            "{\"ok\":false}",
            "{\"ok\":false,\"code\":\"BUSY\",\"returnValue\":1}",
            "{\"ok\":false,\"code\":\"BUSY\",\"type\":\"int32\"}",
            "{\"ok\":false,\"code\":\"BUSY\",\"value\":1}",
            "{\"ok\":false,\"code\":\"BUSY\",\"message\":\""
                + "m".repeat(CloudReply.MAX_MESSAGE_LENGTH + 1)
                + "\"}")) {
      assertThatThrownBy(() -> codec.decodeReply(bytes(bad)))
          .as(bad)
          .isInstanceOf(MalformedMessageException.class);
    }
    // Each refusal for its own reason, not a failure further on.
    for (String[] bad :
        new String[][] {
          {"{\"ok\":true}", "a returnValue or a type and value"},
          {"{\"ok\":true,\"type\":\"float\",\"value\":true}", "type must be one of"},
          {"{\"ok\":true,\"type\":\"int32\"}", "has a value"},
          {"{\"ok\":true,\"type\":\"string\",\"value\":1}", "a string value must be a string"},
          {"{\"ok\":true,\"type\":\"bool\",\"value\":\"true\"}", "true or false"}
        }) {
      assertThatThrownBy(() -> codec.decodeReply(bytes(bad[0])))
          .as(bad[0])
          .isInstanceOf(MalformedMessageException.class)
          .hasMessageContaining(bad[1]);
    }
    assertThat(
            CloudReply.refused(CallError.FAILED, "m".repeat(CloudReply.MAX_MESSAGE_LENGTH))
                .message())
        .hasSize(CloudReply.MAX_MESSAGE_LENGTH);
    assertThatThrownBy(() -> CloudReply.value("double", Double.NaN)).hasMessageContaining("finite");
    assertThatThrownBy(() -> CloudReply.value("double", Double.POSITIVE_INFINITY))
        .hasMessageContaining("finite");
  }

  @Test
  void eventsRoundTripWithTheirDefaultsAndABackfillKeepsItsTime() {
    assertThat(new String(codec.encodeEvent(DeviceEvent.of("temp", "21.5")), UTF_8))
        .isEqualTo("{\"name\":\"temp\",\"data\":\"21.5\",\"ttl\":60,\"scope\":\"private\"}");
    DeviceEvent minimal = codec.decodeEvent(bytes("{\"name\":\"door/open\"}"));
    assertThat(minimal).isEqualTo(new DeviceEvent("door/open", "", 60, "private", null));
    assertThat(minimal.isBackfill()).isFalse();
    DeviceEvent late =
        new DeviceEvent("t", "1", 5, "product", null)
            .publishedAt(java.time.Instant.parse("2026-12-05T10:00:00Z"));
    byte[] json = codec.encodeEvent(late);
    assertThat(new String(json, UTF_8)).contains("\"publishedAt\":\"2026-12-05T10:00:00Z\"");
    assertThat(codec.decodeEvent(json)).isEqualTo(late);
    assertThat(codec.decodeEvent(json).isBackfill()).isTrue();
    String longest = "é".repeat(DeviceEvent.MAX_DATA_BYTES / 2);
    assertThat(codec.decodeEvent(codec.encodeEvent(DeviceEvent.of("x", longest))).data())
        .isEqualTo(longest);
    assertThat(new DeviceEvent("x", null, DeviceEvent.MAX_TTL_SECONDS, null).ttl())
        .isEqualTo(DeviceEvent.MAX_TTL_SECONDS);
    assertThat(new DeviceEvent("n".repeat(DeviceEvent.MAX_NAME_LENGTH), null, 1, null).ttl())
        .isEqualTo(1);
  }

  @Test
  void malformedEventsAreRefusedWithTheReason() {
    for (String bad :
        List.of(
            "{}",
            "{\"name\":\"\"}",
            "{\"name\":\"a b\"}",
            "{\"name\":\"firmament/device/online\"}",
            "{\"name\":\"" + "n".repeat(DeviceEvent.MAX_NAME_LENGTH + 1) + "\"}",
            "{\"name\":\"t\",\"data\":\"" + "d".repeat(DeviceEvent.MAX_DATA_BYTES + 1) + "\"}",
            "{\"name\":\"t\",\"ttl\":0}",
            "{\"name\":\"t\",\"ttl\":" + (DeviceEvent.MAX_TTL_SECONDS + 1) + "}",
            "{\"name\":\"t\",\"scope\":\"public\"}",
            "{\"name\":\"t\",\"publishedAt\":\"yesterday\"}")) {
      assertThatThrownBy(() -> codec.decodeEvent(bytes(bad)))
          .as(bad)
          .isInstanceOf(MalformedMessageException.class);
    }
    assertThatThrownBy(() -> DeviceEvent.of("x", "é".repeat(DeviceEvent.MAX_DATA_BYTES / 2 + 1)))
        .hasMessageContaining("at most " + DeviceEvent.MAX_DATA_BYTES + " UTF-8 bytes");
  }

  @Test
  void vitalsRoundTripAndTellTheirKind() {
    Telemetry.Vitals vitals =
        new Telemetry.Vitals(
            42,
            Telemetry.ResetReason.PANIC,
            7L,
            1024L,
            4096L,
            -71,
            80,
            java.util.Map.of("mqtt.errors", 3.0),
            null);
    byte[] json = codec.encodeTelemetry(vitals);
    assertThat(new String(json, UTF_8))
        .startsWith("{\"type\":\"vitals\",\"uptime\":42,\"resetReason\":\"PANIC\"")
        .doesNotContain("\"at\"");
    assertThat(codec.decodeTelemetry(json)).isEqualTo(vitals);
    assertThat(vitals.isBackfill()).isFalse();
    Telemetry minimal = codec.decodeTelemetry(bytes("{\"type\":\"vitals\",\"uptime\":0}"));
    assertThat(minimal).isEqualTo(Telemetry.Vitals.of(0, null));
    assertThat(((Telemetry.Vitals) minimal).diagnostics()).isEmpty();
    Telemetry late =
        codec.decodeTelemetry(
            bytes("{\"type\":\"vitals\",\"uptime\":5,\"at\":\"2026-12-05T10:00:00Z\"}"));
    assertThat(((Telemetry.Vitals) late).isBackfill()).isTrue();
    assertThat(Telemetry.ResetReason.PANIC.abnormal()).isTrue();
    assertThat(Telemetry.ResetReason.WATCHDOG.abnormal()).isTrue();
    assertThat(Telemetry.ResetReason.UPDATE.abnormal()).isFalse();
    assertThat(Telemetry.ResetReason.SOFTWARE.abnormal()).isFalse();
    assertThat(Telemetry.ResetReason.POWER_ON.abnormal()).isFalse();
  }

  @Test
  void vitalsAtTheirLimitsAreTaken() {
    var most = new java.util.HashMap<String, Double>();
    for (int i = 0; i < Telemetry.Vitals.MAX_DIAGNOSTICS; i++) {
      most.put("d" + i, (double) -i);
    }
    for (Telemetry.Vitals edge :
        java.util.List.of(
            new Telemetry.Vitals(0, null, 0L, 0L, 0L, -150, 0, most, null),
            new Telemetry.Vitals(
                Telemetry.Vitals.MAX_UPTIME, null, 1L, 5L, 5L, 0, 100, null, null))) {
      assertThat(codec.decodeTelemetry(codec.encodeTelemetry(edge))).isEqualTo(edge);
    }
    assertThatThrownBy(() -> new Telemetry.Logs(java.util.Arrays.asList((Telemetry.LogLine) null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null");
  }

  @Test
  void logLinesRoundTrip() {
    var at = java.time.Instant.parse("2026-12-05T10:00:00Z");
    Telemetry.Logs logs =
        new Telemetry.Logs(
            java.util.List.of(
                new Telemetry.LogLine(at, Telemetry.Level.WARN, "low battery"),
                new Telemetry.LogLine(at, Telemetry.Level.INFO, "é".repeat(256))));
    byte[] json = codec.encodeTelemetry(logs);
    assertThat(new String(json, UTF_8)).startsWith("{\"type\":\"log\",\"lines\":[");
    assertThat(codec.decodeTelemetry(json)).isEqualTo(logs);
    var full =
        new Telemetry.Logs(
            java.util.Collections.nCopies(
                Telemetry.Logs.MAX_LINES,
                new Telemetry.LogLine(
                    at, Telemetry.Level.ERROR, "x".repeat(Telemetry.LogLine.MAX_MESSAGE_BYTES))));
    assertThat(codec.decodeTelemetry(codec.encodeTelemetry(full))).isEqualTo(full);
  }

  @Test
  void malformedTelemetryIsRefusedWithTheReason() {
    String line = "{\"at\":\"2026-12-05T10:00:00Z\",\"level\":\"INFO\",\"message\":\"m\"}";
    for (String bad :
        java.util.List.of(
            "{\"uptime\":1}",
            "{\"type\":\"nope\",\"uptime\":1}",
            "{\"type\":\"vitals\",\"uptime\":-1}",
            "{\"type\":\"vitals\",\"uptime\":" + (Telemetry.Vitals.MAX_UPTIME + 1) + "}",
            "{\"type\":\"vitals\",\"uptime\":1,\"resetReason\":\"BORED\"}",
            "{\"type\":\"vitals\",\"uptime\":1,\"bootCount\":-1}",
            "{\"type\":\"vitals\",\"uptime\":1,\"freeMemory\":-1}",
            "{\"type\":\"vitals\",\"uptime\":1,\"totalMemory\":-1}",
            "{\"type\":\"vitals\",\"uptime\":1,\"freeMemory\":2,\"totalMemory\":1}",
            "{\"type\":\"vitals\",\"uptime\":1,\"signalStrength\":1}",
            "{\"type\":\"vitals\",\"uptime\":1,\"signalStrength\":-151}",
            "{\"type\":\"vitals\",\"uptime\":1,\"signalQuality\":101}",
            "{\"type\":\"vitals\",\"uptime\":1,\"signalQuality\":-1}",
            "{\"type\":\"vitals\",\"uptime\":1,\"diagnostics\":{\"bad name\":1}}",
            "{\"type\":\"vitals\",\"uptime\":1,\"diagnostics\":{\"x\":null}}",
            "{\"type\":\"log\",\"lines\":[]}",
            "{\"type\":\"log\"}",
            "{\"type\":\"log\",\"lines\":[{\"level\":\"INFO\",\"message\":\"m\"}]}",
            "{\"type\":\"log\",\"lines\":[{\"at\":\"2026-12-05T10:00:00Z\",\"message\":\"m\"}]}",
            "{\"type\":\"log\",\"lines\":[{\"at\":\"2026-12-05T10:00:00Z\",\"level\":\"INFO\",\"message\":\" \"}]}",
            "{\"type\":\"log\",\"lines\":["
                + String.join(
                    ",", java.util.Collections.nCopies(Telemetry.Logs.MAX_LINES + 1, line))
                + "]}")) {
      assertThatThrownBy(() -> codec.decodeTelemetry(bytes(bad)))
          .as(bad)
          .isInstanceOf(MalformedMessageException.class);
    }
    var many = new java.util.HashMap<String, Double>();
    for (int i = 0; i <= Telemetry.Vitals.MAX_DIAGNOSTICS; i++) {
      many.put("d" + i, 1.0);
    }
    assertThatThrownBy(
            () -> new Telemetry.Vitals(1, null, null, null, null, null, null, many, null))
        .hasMessageContaining("at most " + Telemetry.Vitals.MAX_DIAGNOSTICS + " diagnostics");
    assertThatThrownBy(
            () ->
                new Telemetry.Vitals(
                    1, null, null, null, null, null, null, java.util.Map.of("x", Double.NaN), null))
        .hasMessageContaining("finite");
    assertThatThrownBy(
            () ->
                new Telemetry.LogLine(
                    java.time.Instant.EPOCH,
                    Telemetry.Level.INFO,
                    "x".repeat(Telemetry.LogLine.MAX_MESSAGE_BYTES + 1)))
        .hasMessageContaining("at most " + Telemetry.LogLine.MAX_MESSAGE_BYTES);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }
}
