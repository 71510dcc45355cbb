package dev.firmament.workers.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.firmament.delta.DiffOptions;
import org.junit.jupiter.api.Test;

class DeltaCodecSettingTest {

  @Test
  void theCodecSettingPicksTheDiffersEntropyStageAndRefusesOthers() {
    assertThat(DeltaPipelineConfiguration.options("ZSTD").codec())
        .isEqualTo(DiffOptions.Codec.ZSTD);
    assertThat(DeltaPipelineConfiguration.options(" smallest ").codec())
        .isEqualTo(DiffOptions.Codec.SMALLEST);
    assertThat(DeltaPipelineConfiguration.options("SMALLEST"))
        .isEqualTo(DiffOptions.DEFAULT.withCodec(DiffOptions.Codec.SMALLEST));
    assertThatThrownBy(() -> DeltaPipelineConfiguration.options("brotli"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("firmament.delta.codec must be ZSTD or SMALLEST, was 'brotli'");
  }
}
