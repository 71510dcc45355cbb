package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.firmament.api.audit.AuditChain;
import dev.firmament.api.audit.AuditEntry;
import dev.firmament.api.audit.AuditRepository;
import dev.firmament.api.audit.AuditSealer;
import dev.firmament.api.caller.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * The audit trail: what is recorded (mutations with their outcome and without secrets, rollout
 * status changes, device outcomes), and that verification detects an altered, removed, inserted or
 * truncated entry while an intact log passes; and that API replicas sealing the same organization
 * at once keep one chain.
 */
class AuditTrailTest extends ApiIntegrationTest {
  @Autowired AuditRepository audit;
  @Autowired AuditSealer sealer;

  @Value("${firmament.audit.private-key:}")
  String auditKey;

  private String organizationId(String token) {
    return as(token)
        .document("{ login { organization { id } } }")
        .execute()
        .path("login.organization.id")
        .entity(String.class)
        .get();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> verification(String token) {
    return (Map<String, Object>)
        as(token)
            .document("{ login { auditVerification { intact firstBadSeq reason entries } } }")
            .execute()
            .path("login.auditVerification")
            .entity(Map.class)
            .get();
  }

  @Test
  void mutationsAndOutcomesAreRecordedWithoutSecrets() {
    String organization = unique("org");
    String owner = tokenFor(organization, Role.OWNER);
    UUID org = UUID.fromString(organizationId(owner));
    String productId = createProduct(as(owner));
    byte[] image = ("audited image " + unique("x")).getBytes(StandardCharsets.UTF_8);
    uploadFirmware(as(owner), productId, "1.0.0", image);
    String issued =
        as(owner)
            .document("mutation { createAPIToken(input: {name: \"ci\"}) { token } }")
            .execute()
            .path("createAPIToken.token")
            .entity(String.class)
            .get();
    String auditor = tokenFor(organization, Role.AUDITOR);
    as(auditor)
        .document(
            "mutation { createProduct(input: {name: \"n\", slug: \"refused\"}) { product { id } } }")
        .execute();
    // A device outcome and a rollout status change written by SQL, as the workers write them.
    registerDevices(as(owner), productId, unique("aud"), 1);
    sealer.seal(org);

    List<AuditEntry> entries = audit.all(org);
    assertThat(entries)
        .extracting(AuditEntry::action)
        .contains("createProduct", "uploadFirmware", "createAPIToken", "registerDevices");
    AuditEntry refused =
        entries.stream()
            .filter(e -> e.action().equals("createProduct") && e.actor().startsWith("auditor"))
            .findFirst()
            .orElseThrow();
    assertThat(refused.details()).contains("\"outcome\":\"FORBIDDEN\"");
    AuditEntry upload =
        entries.stream().filter(e -> e.action().equals("uploadFirmware")).findFirst().orElseThrow();
    assertThat(upload.target()).isEqualTo("productId:" + productId);
    String allDetails = entries.stream().map(AuditEntry::details).toList().toString();
    assertThat(allDetails)
        .doesNotContain(issued)
        .doesNotContain(base64(image))
        .contains("characters]");
    assertThat(entries).allSatisfy(e -> assertThat(e.chainSeq()).isNotNull());
    assertThat(verification(owner)).containsEntry("intact", true);

    var page =
        as(auditor)
            .document(
                "{ login { auditLog(size: 2, filter: {action: \"uploadFirmware\"}) { total hasMore"
                    + " items { actor action target hash } } } }")
            .execute();
    page.path("login.auditLog.total").entity(Integer.class).isEqualTo(1);
    page.path("login.auditLog.items[0].hash").hasValue();
    assertRefused(
        as(tokenFor(organization, Role.OPERATOR)).document("{ login { auditLog { total } } }"),
        "FORBIDDEN");
  }

  @Test
  void aRefusedCredentialOfAKnownOrganizationIsRecordedByItsPrefix() {
    String organization = unique("org");
    String owner = tokenFor(organization, Role.OWNER);
    UUID org = UUID.fromString(organizationId(owner));
    String revoked = tokenFor(organization, Role.OPERATOR);
    dsl.execute(
        "update api_tokens set revoked_at = now() where token_sha256 = ?",
        dev.firmament.api.access.Secrets.sha256(revoked));

    try {
      as(revoked).document("{ login { viewer { actor } } }").execute();
    } catch (AssertionError | RuntimeException refusedWith401) {
      // The tester refuses a 401 answer; the refusal itself is what this test is about.
    }

    AuditEntry refusal =
        audit.all(org).stream()
            .filter(e -> e.action().equals("auth.refused"))
            .findFirst()
            .orElseThrow();
    assertThat(refusal.target())
        .isEqualTo("credential:" + dev.firmament.api.access.Secrets.prefixOf(revoked));
    assertThat(refusal.details()).contains("token revoked").doesNotContain(revoked);
  }

  @Test
  void theDatabaseRecordsRolloutStatusChangesAndDeviceOutcomes() {
    String owner = tokenFor(unique("org"), Role.OWNER);
    UUID org = UUID.fromString(organizationId(owner));
    String productId = createProduct(as(owner));
    List<String> devices = registerDevices(as(owner), productId, unique("out"), 1);
    uploadFirmware(as(owner), productId, "2.0.0", unique("i").getBytes(StandardCharsets.UTF_8));
    String jobId =
        as(owner)
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0")
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    dsl.execute(
        "insert into ota_results (organization_id, job_id, device_id, state) values (?, ?, ?,"
            + " 'SUCCEEDED')",
        org,
        UUID.fromString(jobId),
        devices.get(0));
    dsl.execute(
        "insert into ota_result_history (organization_id, job_id, device_id, state, attempt)"
            + " values (?, ?, ?, 'DOWNLOADING', 1), (?, ?, ?, 'SUCCEEDED', 1)",
        org,
        UUID.fromString(jobId),
        devices.get(0),
        org,
        UUID.fromString(jobId),
        devices.get(0));
    dsl.execute("update ota_jobs set status = 'SUCCEEDED' where id = ?", UUID.fromString(jobId));

    List<AuditEntry> system =
        audit.all(org).stream().filter(e -> e.actor().equals("system")).toList();
    assertThat(system)
        .extracting(AuditEntry::action, AuditEntry::target)
        .contains(
            tuple("rollout.status", "rollout:" + jobId),
            tuple("device.update.succeeded", "device:" + devices.get(0)));
    assertThat(system).extracting(AuditEntry::action).doesNotContain("device.update.downloading");
  }

  /** An organization with five sealed entries. */
  private UUID sealedOrganization(String owner) {
    UUID org = UUID.fromString(organizationId(owner));
    sealer.seal(org);
    for (int i = 0; i < 5; i++) {
      audit.append(org, "tester", "test.entry", "n:" + i, "{\"i\":" + i + "}");
    }
    sealer.seal(org);
    return org;
  }

  private void tamper(String sql, Object... bindings) {
    dsl.execute("alter table audit_log disable trigger audit_log_no_change");
    try {
      dsl.execute(sql, bindings);
    } finally {
      dsl.execute("alter table audit_log enable trigger audit_log_no_change");
    }
  }

  private long lastSeq(UUID org) {
    return dsl.select(DSL.max(AUDIT_LOG.CHAIN_SEQ))
        .from(AUDIT_LOG)
        .where(AUDIT_LOG.ORGANIZATION_ID.eq(org))
        .fetchOne()
        .value1();
  }

  @Test
  void replicasSealingTheSameOrganizationAtOnceKeepOneUnbrokenChain() throws Exception {
    String owner = tokenFor(unique("org"), Role.OWNER);
    UUID org = UUID.fromString(organizationId(owner));
    // This process's sealer (its schedule runs too) and two more, as two more API replicas would
    // have them, against the same database, while entries keep arriving.
    List<AuditSealer> replicas =
        List.of(
            sealer, new AuditSealer(dsl, audit, auditKey), new AuditSealer(dsl, audit, auditKey));
    ExecutorService pool = Executors.newFixedThreadPool(replicas.size() + 1);
    try {
      List<Future<?>> work = new ArrayList<>();
      work.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 60; i++) {
                  audit.append(org, "tester", "test.race", "n:" + i, null);
                }
              }));
      for (AuditSealer replica : replicas) {
        work.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 40; i++) {
                    replica.seal(org);
                  }
                }));
      }
      for (Future<?> f : work) {
        // A replica that found the chain broken would throw here.
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    sealer.seal(org);

    assertThat(
            dsl.fetchCount(
                AUDIT_LOG, AUDIT_LOG.ORGANIZATION_ID.eq(org).and(AUDIT_LOG.CHAIN_SEQ.isNull())))
        .isZero();
    long entries = dsl.fetchCount(AUDIT_LOG, AUDIT_LOG.ORGANIZATION_ID.eq(org));
    assertThat(entries).isGreaterThanOrEqualTo(60);
    assertThat(lastSeq(org)).isEqualTo(entries);
    assertThat(verification(owner)).containsEntry("intact", true);
  }

  @Test
  void anAlteredEntryIsFoundAndNamed() {
    String owner = tokenFor(unique("org"), Role.OWNER);
    UUID org = sealedOrganization(owner);
    assertThat(verification(owner)).containsEntry("intact", true);
    long seq = lastSeq(org) - 2;

    tamper(
        "update audit_log set details = '{\"i\":99}' where organization_id = ? and chain_seq = ?",
        org,
        seq);

    assertThat(verification(owner))
        .containsEntry("intact", false)
        .containsEntry("firstBadSeq", (int) seq)
        .satisfies(v -> assertThat((String) v.get("reason")).contains("altered"));
  }

  @Test
  void aRemovedEntryIsFound() {
    String owner = tokenFor(unique("org"), Role.OWNER);
    UUID org = sealedOrganization(owner);
    long seq = lastSeq(org) - 2;

    tamper("delete from audit_log where organization_id = ? and chain_seq = ?", org, seq);

    assertThat(verification(owner))
        .containsEntry("intact", false)
        .containsEntry("firstBadSeq", (int) seq)
        .satisfies(v -> assertThat((String) v.get("reason")).contains("missing"));
  }

  @Test
  void anInsertedEntryIsFoundEvenWithAWellFormedHash() {
    String owner = tokenFor(unique("org"), Role.OWNER);
    UUID org = sealedOrganization(owner);
    long last = lastSeq(org);
    AuditEntry head =
        audit.all(org).stream().filter(e -> e.chainSeq() == last).findFirst().orElseThrow();
    AuditEntry forged =
        new AuditEntry(
            0,
            org,
            head.occurredAt(),
            "someone",
            "forged",
            null,
            null,
            last + 1,
            head.hash(),
            null);
    String hash = AuditChain.hash(head.hash(), last + 1, forged);

    tamper(
        "insert into audit_log (organization_id, occurred_at, actor, action, chain_seq, prev_hash,"
            + " hash) values (?, ?::timestamptz, 'someone', 'forged', ?, ?, ?)",
        org,
        head.occurredAt(),
        last + 1,
        head.hash(),
        hash);

    assertThat(verification(owner))
        .containsEntry("intact", false)
        .containsEntry("firstBadSeq", (int) (last + 1))
        .satisfies(v -> assertThat((String) v.get("reason")).contains("not covered"));
    // The sealer will not extend a chain whose head it did not sign.
    audit.append(org, "tester", "test.after", null, null);
    assertThatThrownBy(() -> sealer.seal(org)).hasMessageContaining("not its last checkpoint");
  }

  @Test
  void aTruncatedLogIsFound() {
    String owner = tokenFor(unique("org"), Role.OWNER);
    UUID org = sealedOrganization(owner);
    long last = lastSeq(org);

    tamper("delete from audit_log where organization_id = ? and chain_seq >= ?", org, last - 1);

    assertThat(verification(owner))
        .containsEntry("intact", false)
        .containsEntry("firstBadSeq", (int) (last - 1))
        .satisfies(v -> assertThat((String) v.get("reason")).contains("truncated"));
  }

  @Test
  void entriesCannotBeChangedOrDeletedOrdinarily() {
    String owner = tokenFor(unique("org"), Role.OWNER);
    UUID org = sealedOrganization(owner);

    assertThatThrownBy(
            () -> dsl.execute("update audit_log set actor = 'x' where organization_id = ?", org))
        .hasMessageContaining("append-only");
    assertThatThrownBy(() -> dsl.execute("delete from audit_log where organization_id = ?", org))
        .hasMessageContaining("append-only");
    assertThat(verification(owner)).containsEntry("intact", true);
  }
}
