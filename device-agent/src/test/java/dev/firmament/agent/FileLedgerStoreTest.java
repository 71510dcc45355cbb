package dev.firmament.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firmament.protocol.LedgerDocuments;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device's ledgers on disk: kept across a reopen, replaced whole, a damaged file skipped. */
class FileLedgerStoreTest {
  @TempDir Path dir;

  private static ObjectNode doc(String key, int value) {
    ObjectNode node = LedgerDocuments.empty();
    node.put(key, value);
    return node;
  }

  @Test
  void whatIsSavedIsThereAfterAReopenAndAReplacementLeavesOnlyTheNewDocument() throws Exception {
    FileLedgerStore store = new FileLedgerStore(dir);
    store.save(new LedgerEntry("config", true, 17, doc("interval", 30), 0, null));
    LedgerEntry status =
        new LedgerEntry(
            "status", false, 3, doc("bootCount", 3), 2, Instant.parse("2026-03-01T12:00:00Z"));
    store.save(status);
    store.save(new LedgerEntry("config", true, 18, doc("interval", 45), 0, null));

    FileLedgerStore reopened = new FileLedgerStore(dir);
    assertThat(reopened.load()).containsOnlyKeys("config", "status");
    assertThat(reopened.load().get("config").version()).isEqualTo(18);
    assertThat(reopened.load().get("config").data()).isEqualTo(doc("interval", 45));
    assertThat(reopened.load().get("status")).isEqualTo(status);
    assertThat(reopened.load().get("status").pending()).isTrue();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("ledger-config.json", "ledger-status.json");
    }

    reopened.remove("config");
    assertThat(new FileLedgerStore(dir).load()).containsOnlyKeys("status");
  }

  @Test
  void aDamagedFileIsSkippedAndTheOthersAreRead() throws Exception {
    FileLedgerStore store = new FileLedgerStore(dir);
    store.save(new LedgerEntry("config", true, 5, doc("interval", 30), 0, null));
    Files.writeString(dir.resolve("ledger-broken.json"), "{\"name\":\"broken\",\"ver");
    assertThat(store.load()).containsOnlyKeys("config");
  }
}
