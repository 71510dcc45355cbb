package dev.firmament.api;

import static dev.firmament.sql.generated.Tables.DEVICES;
import static dev.firmament.sql.generated.Tables.OTA_RESULTS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.caller.Role;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;

/**
 * The isolation matrix, generated from the schema by introspection rather than from a list: every
 * field of Query and Mutation is called (and every field of the subscription root, over Server-Sent
 * Events), with arguments naming the first organization's objects, once with a token of a second
 * organization and once with a customer token of the first. Nothing of the first organization may
 * come back (beyond, for the customer, the one device mapped to them), and none of its rows may
 * change. A field added later is called without anyone listing it.
 */
class IsolationMatrixTest extends ApiIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DEPTH = 3;

  /**
   * The page size asked of every paginated field selected below the root: larger than any list of
   * fixtures, so paging hides nothing, and small enough that a document selecting everything to
   * {@link #MAX_DEPTH} through back-references (a result's job's results) stays within the query
   * limits, which would otherwise refuse it unrun.
   */
  private static final int PAGE = 10;

  private static final Set<String> PAGE_SIZE_ARGUMENTS = Set.of("size", "perPage");

  private static final String INTROSPECTION =
      """
      { __schema {
          queryType { name } mutationType { name } subscriptionType { name }
          types { name kind
            fields { name args { name type { ...T } } type { ...T } }
            inputFields { name type { ...T } }
            enumValues { name } } } }
      fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name } } } } }
      """;

  @Autowired MockMvcTester mvc;

  /** The first organization's objects, by kind. */
  private final Map<String, String> ids = new LinkedHashMap<>();

  private final Map<String, String> strings = new LinkedHashMap<>();
  private Map<String, JsonNode> types;

  @Test
  void noFieldReachesAnotherOrganizationOrBeyondACustomersDevices() throws Exception {
    String organization = unique("victim");
    // The owner's email is not derived from the organization's slug, so that an answer echoing an
    // email the caller typed is not mistaken for a leak of the slug.
    String owner =
        bootstrap.issueToken(
            organization, unique("owner") + "@example.test", Role.OWNER, "victim owner");
    String productId = createProduct(as(owner));
    List<String> devices = registerDevices(as(owner), productId, unique("victim-dev"), 3);
    String firmwareId =
        uploadFirmware(
            as(owner), productId, "2.0.0", unique("img").getBytes(StandardCharsets.UTF_8));
    String groupId =
        as(owner)
            .documentName("CreateDeviceGroup")
            .variable("productId", productId)
            .variable("name", unique("victim-group"))
            .variable("deviceIds", List.of(devices.get(1)))
            .execute()
            .path("createDeviceGroup.deviceGroup.id")
            .entity(String.class)
            .get();
    String jobId =
        as(owner)
            .documentName("CreateOTAJob")
            .variable("productId", productId)
            .variable("targetVersion", "2.0.0")
            .execute()
            .path("createOTAJob.job.id")
            .entity(String.class)
            .get();
    // Results as the workers would write them, so that the fields over results (a job's results
    // and failures, a device's updates, a product's compliance) have something to leak.
    String[] outcomes = {"FAILED", "SUCCEEDED", "TIMED_OUT"};
    for (int i = 0; i < devices.size(); i++) {
      dsl.insertInto(OTA_RESULTS)
          .set(
              OTA_RESULTS.ORGANIZATION_ID,
              DSL.select(DEVICES.ORGANIZATION_ID)
                  .from(DEVICES)
                  .where(DEVICES.ID.eq(devices.get(i))))
          .set(OTA_RESULTS.JOB_ID, UUID.fromString(jobId))
          .set(OTA_RESULTS.DEVICE_ID, devices.get(i))
          .set(OTA_RESULTS.STATE, outcomes[i])
          .set(OTA_RESULTS.ERROR_CODE, outcomes[i].equals("SUCCEEDED") ? null : "E_" + i)
          .execute();
    }
    String customerEmail = unique("victim-customer") + "@example.test";
    String customerId =
        mutate(
            owner,
            "mutation { createCustomer(input: {productId: \""
                + productId
                + "\", email: \""
                + customerEmail
                + "\"}) { customer { id } } }",
            "createCustomer.customer.id");
    mutate(
        owner,
        "mutation { mapCustomerDevice(input: {customerId: \""
            + customerId
            + "\", deviceId: \""
            + devices.get(0)
            + "\"}) { mapping { deviceId } } }",
        "mapCustomerDevice.mapping.deviceId");
    String customerToken =
        mutate(
            owner,
            "mutation { createCustomerToken(input: {customerId: \""
                + customerId
                + "\", name: \"app\"}) { token } }",
            "createCustomerToken.token");
    String teamName = unique("victim-team");
    String teamId =
        mutate(
            owner,
            "mutation { createTeam(input: {name: \"" + teamName + "\"}) { team { id } } }",
            "createTeam.team.id");
    String clientRowId =
        mutate(
            owner,
            "mutation { createOAuth2Client(input: {name: \"svc\", scopes: [\"devices:read\"]}) {"
                + " client { id } } }",
            "createOAuth2Client.client.id");
    String ownerEmail = mutate(owner, "{ login { viewer { actor } } }", "login.viewer.actor");
    String tokenId =
        mutate(
            owner,
            "{ login { organization { apiTokens { items { id } } } } }",
            "login.organization.apiTokens.items[0].id");
    String organizationId =
        mutate(owner, "{ login { organization { id } } }", "login.organization.id");
    String templateName = unique("victim-template");
    String templateId =
        mutate(
            owner,
            "mutation { saveRolloutTemplate(input: {name: \""
                + templateName
                + "\", maxInFlight: 3}) { template { id } } }",
            "saveRolloutTemplate.template.id");

    // A webhook whose filter keeps nothing, so no delivery changes its row while the matrix runs.
    String webhookId =
        mutate(
            owner,
            "mutation { createWebhook(input: {name: \""
                + unique("victim-webhook")
                + "\", url: \"http://127.0.0.1:9/none\", filter: {namePrefix:"
                + " \"isolation/none\"}}) { webhook { id } } }",
            "createWebhook.webhook.id");

    // Cloud code with a function whose filter keeps nothing, so nothing runs while the matrix does.
    String cloudCodeId =
        mutate(
            owner,
            "mutation { deployCloudCode(input: {name: \""
                + unique("victim-code")
                + "\", module: \""
                + CloudCodeTest.module("echo")
                + "\"}) { cloudCode { id } } }",
            "deployCloudCode.cloudCode.id");
    String cloudFunctionId =
        mutate(
            owner,
            "mutation { createCloudCodeFunction(input: {cloudCodeId: \""
                + cloudCodeId
                + "\", name: \"f\", handler: \"on_event\", trigger: EVENT, filter:"
                + " {namePrefix: \"isolation/none\"}}) { function { id } } }",
            "createCloudCodeFunction.function.id");

    // A SIM in the device the matrix names, with a history row.
    String simIccid = SimsTest.iccid();
    String simId =
        mutate(
            owner,
            "mutation { createSIM(input: {iccid: \""
                + simIccid
                + "\", imsi: \""
                + SimsTest.imsi()
                + "\", carrier: \"victim-carrier\", monthlyCapBytes: 1000, overagePolicy: BLOCK,"
                + " deviceId: \""
                + devices.get(1)
                + "\"}) { sim { id } } }",
            "createSIM.sim.id");
    mutate(
        owner,
        "mutation { activateSIM(input: {id: \"" + simId + "\"}) { sim { status } } }",
        "activateSIM.sim.status");

    // A network with the matrix's device as a member and a published configuration.
    String networkName = unique("victim-network");
    String networkId =
        mutate(
            owner,
            "mutation { createNetwork(input: {name: \""
                + networkName
                + "\", kind: VLAN, settings: \"{\\\"vlanId\\\": 42}\"}) { network { id } } }",
            "createNetwork.network.id");
    mutate(
        owner,
        "mutation { addNetworkDevice(input: {id: \""
            + networkId
            + "\", deviceId: \""
            + devices.get(1)
            + "\", role: GATEWAY}) { member { role } } }",
        "addNetworkDevice.member.role");

    ids.put("product", productId);
    ids.put("device", devices.get(1));
    ids.put("group", groupId);
    ids.put("firmware", firmwareId);
    ids.put("job", jobId);
    ids.put("customer", customerId);
    ids.put("team", teamId);
    ids.put("client", clientRowId);
    ids.put("token", tokenId);
    ids.put("template", templateId);
    ids.put("webhook", webhookId);
    ids.put("cloudcode", cloudCodeId);
    ids.put("cloudfunction", cloudFunctionId);
    ids.put("sim", simId);
    ids.put("network", networkId);
    strings.put("email", ownerEmail);
    strings.put("version", "2.0.0");

    Set<String> everything =
        Set.of(
            productId,
            devices.get(0),
            devices.get(1),
            devices.get(2),
            firmwareId,
            groupId,
            jobId,
            customerId,
            customerEmail,
            teamId,
            teamName,
            clientRowId,
            tokenId,
            templateId,
            templateName,
            simIccid,
            networkName,
            organizationId,
            organization);
    // A customer legitimately sees its device, the device's product and its organization.
    Set<String> hiddenFromCustomer =
        Set.of(
            devices.get(1),
            devices.get(2),
            firmwareId,
            groupId,
            jobId,
            customerEmail,
            teamId,
            teamName,
            clientRowId,
            tokenId,
            templateId,
            templateName,
            simIccid,
            networkName);

    JsonNode schema =
        JSON.valueToTree(
            as(owner).document(INTROSPECTION).execute().path("__schema").entity(Map.class).get());
    types = new TreeMap<>();
    schema.path("types").forEach(t -> types.put(t.path("name").asText(), t));

    String intruder = tokenFor(unique("intruder"), Role.OWNER);
    Map<String, String> before = snapshot(UUID.fromString(organizationId));
    List<String> called = new ArrayList<>();
    List<String> leaks = new ArrayList<>();
    Set<String> documents = new java.util.HashSet<>();
    Map<String, String> roots = new LinkedHashMap<>();
    roots.put(schema.path("queryType").path("name").asText(), "query");
    roots.put(schema.path("mutationType").path("name").asText(), "mutation");
    roots.put(schema.path("subscriptionType").path("name").asText(), "subscription");
    for (Map.Entry<String, String> entry : roots.entrySet()) {
      String root = entry.getKey();
      String operation = entry.getValue();
      for (JsonNode field : types.get(root).path("fields")) {
        called.add(root + "." + field.path("name").asText());
        // Every selection depth: a field the caller may not read nulls its parent, which would
        // hide what a shallower selection returns.
        for (int depth = 0; depth <= MAX_DEPTH; depth++) {
          for (String kind : ids.keySet()) {
            String document = call(operation, field, kind, depth);
            if (!documents.add(document)) {
              continue;
            }
            leaks.addAll(leaks("intruder", intruder, document, everything));
            leaks.addAll(
                leaks(
                    "customer",
                    customerToken,
                    document,
                    hiddenFromCustomer,
                    operation.equals("subscription")
                        && CUSTOMER_SUBSCRIPTIONS.contains(field.path("name").asText())));
          }
        }
      }
    }
    assertThat(called)
        .contains(
            "Query.device",
            "Mutation.createOTAJob",
            "Mutation.revokeAPIToken",
            "Live.rolloutProgress",
            "Live.otaResultChanges");
    assertThat(leaks).isEmpty();
    assertThat(documents).hasSizeGreaterThan(called.size());
    assertThat(snapshot(UUID.fromString(organizationId))).isEqualTo(before);
  }

  private String mutate(String token, String document, String path) {
    return as(token).document(document).execute().path(path).entity(String.class).get();
  }

  /**
   * Subscriptions a customer may open (its devices' product events): one that stays open is no
   * finding for the customer, what it carries still is.
   */
  private static final Set<String> CUSTOMER_SUBSCRIPTIONS = Set.of("events");

  /** What the call answered that it must not have, as readable findings. */
  private List<String> leaks(String who, String token, String document, Set<String> secrets)
      throws Exception {
    return leaks(who, token, document, secrets, false);
  }

  private List<String> leaks(
      String who, String token, String document, Set<String> secrets, boolean mayStayOpen)
      throws Exception {
    if (document.startsWith("subscription")) {
      return streamLeaks(who, token, document, secrets, mayStayOpen);
    }
    var result =
        mvc.post()
            .uri("/graphql")
            .header("Authorization", "Bearer " + token)
            .contentType(MediaType.APPLICATION_JSON)
            .content(JSON.writeValueAsString(Map.of("query", document)))
            .exchange();
    JsonNode answer = JSON.readTree(result.getResponse().getContentAsString());
    return findings(who, document, secrets, answer);
  }

  /**
   * A subscription over Server-Sent Events: every call names the first organization's objects, so
   * each must end at once with an error; one that stays open was accepted.
   */
  private List<String> streamLeaks(
      String who, String token, String document, Set<String> secrets, boolean mayStayOpen)
      throws Exception {
    var result =
        mvc.post()
            .uri("/graphql")
            .header("Authorization", "Bearer " + token)
            .contentType(MediaType.APPLICATION_JSON)
            .accept(MediaType.TEXT_EVENT_STREAM)
            .content(JSON.writeValueAsString(Map.of("query", document)))
            // A refused call ends at once. One that may stay open (a customer's own events) is
            // read for a second: nothing is published meanwhile, so a longer wait would show no
            // more than what the stream sends on opening.
            .exchange(java.time.Duration.ofSeconds(mayStayOpen ? 1 : 5));
    String body = result.getResponse().getContentAsString();
    List<String> found = new ArrayList<>();
    if (!mayStayOpen && !body.contains("event:complete")) {
      found.add(who + "'s subscription was not refused: " + document);
    }
    for (String line : body.split("\n")) {
      if (line.startsWith("data:")) {
        found.addAll(findings(who, document, secrets, JSON.readTree(line.substring(5))));
      }
    }
    return found;
  }

  private static List<String> findings(
      String who, String document, Set<String> secrets, JsonNode answer) {
    List<String> found = new ArrayList<>();
    String data = answer.path("data").toString();

    for (String secret : secrets) {
      if (data.contains(secret)) {
        found.add(who + " read '" + secret + "' through: " + document);
      }
    }
    for (JsonNode error : answer.path("errors")) {
      String code = error.path("extensions").path("code").asText();
      if (code.equals("INTERNAL")) {
        found.add(who + " hit an internal error through: " + document);
      }
      // A document refused by the query limits never ran, so it proved nothing.
      if (code.equals("QUERY_TOO_COMPLEX")) {
        found.add(who + "'s call was refused by the query limits: " + document);
      }
    }
    return found;
  }

  /** One call of a root field, with every id argument naming an object of the first kind given. */
  private String call(String operation, JsonNode field, String kind, int maxDepth) {
    StringBuilder document = new StringBuilder(operation + " { ");
    document.append(field.path("name").asText());
    List<String> arguments = new ArrayList<>();
    for (JsonNode arg : field.path("args")) {
      // A subscription's filter names the first organization's objects too: every stream the
      // matrix opens must then be refused.
      boolean filter =
          operation.equals("subscription")
              && arg.path("type").path("kind").asText().equals("INPUT_OBJECT");
      if (arg.path("type").path("kind").asText().equals("NON_NULL")
          || arg.path("name").asText().endsWith("Id")
          || arg.path("name").asText().equals("id")
          || filter) {
        arguments.add(
            arg.path("name").asText()
                + ": "
                + value(arg.path("type"), arg.path("name").asText(), kind));
      }
    }
    if (!arguments.isEmpty()) {
      document.append("(").append(String.join(", ", arguments)).append(")");
    }
    document.append(selection(field.path("type"), 0, maxDepth)).append(" }");
    return document.toString();
  }

  private String value(JsonNode type, String name, String kind) {
    return switch (type.path("kind").asText()) {
      case "NON_NULL" -> value(type.path("ofType"), name, kind);
      case "LIST" -> "[" + value(type.path("ofType"), name, kind) + "]";
      case "ENUM" ->
          types.get(type.path("name").asText()).path("enumValues").get(0).path("name").asText();
      case "INPUT_OBJECT" -> {
        List<String> fields = new ArrayList<>();
        for (JsonNode f : types.get(type.path("name").asText()).path("inputFields")) {
          String fieldName = f.path("name").asText();
          if (f.path("type").path("kind").asText().equals("NON_NULL")
              || fieldName.endsWith("Id")
              || fieldName.endsWith("Ids")) {
            fields.add(fieldName + ": " + value(f.path("type"), fieldName, kind));
          }
        }
        yield "{" + String.join(", ", fields) + "}";
      }
      default -> scalar(type.path("name").asText(), name, kind);
    };
  }

  private String scalar(String scalar, String name, String kind) {
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    return switch (scalar) {
      case "ID" -> quote(idFor(lower, kind));
      case "Int", "Long" -> "1";
      case "Float" -> "0.5";
      case "Boolean" -> "true";
      case "DateTime" -> quote("2030-01-01T00:00:00Z");
      default -> {
        if (lower.contains("email")) {
          yield quote(strings.get("email"));
        } else if (lower.contains("version")) {
          yield quote(strings.get("version"));
        } else if (lower.contains("role")) {
          yield quote("owner");
        } else if (lower.contains("scope")) {
          yield quote("devices:read");
        } else if (lower.contains("content")) {
          yield quote("AAEC");
        } else if (lower.contains("slug")) {
          yield quote(unique("s"));
        }
        yield quote(unique("v"));
      }
    };
  }

  /** The id an argument names: by its name when it says what it is, else the kind of this call. */
  private String idFor(String name, String kind) {
    for (String candidate :
        List.of(
            "template",
            "group",
            "product",
            "customer",
            "firmware",
            "team",
            "client",
            "token",
            "job",
            "device")) {
      if (name.contains(candidate)) {
        return ids.get(candidate);
      }
    }
    return ids.get(kind);
  }

  private String selection(JsonNode type, int depth, int maxDepth) {
    JsonNode named = type;
    while (named.path("kind").asText().equals("NON_NULL")
        || named.path("kind").asText().equals("LIST")) {
      named = named.path("ofType");
    }
    if (!named.path("kind").asText().equals("OBJECT")) {
      return "";
    }
    List<String> fields = new ArrayList<>();
    for (JsonNode f : types.get(named.path("name").asText()).path("fields")) {
      boolean requiredArgs = false;
      for (JsonNode arg : f.path("args")) {
        requiredArgs |= arg.path("type").path("kind").asText().equals("NON_NULL");
      }
      if (requiredArgs) {
        continue;
      }
      String name = f.path("name").asText() + pageArgument(f);
      if (leafKind(f.path("type"))) {
        fields.add(name);
      } else if (depth < maxDepth) {
        String nested = selection(f.path("type"), depth + 1, maxDepth);
        if (!nested.isEmpty()) {
          fields.add(name + nested);
        }
      }
    }
    if (fields.isEmpty()) {
      fields.add("__typename");
    }
    return " { " + String.join(" ", fields) + " }";
  }

  /** {@code (size: PAGE)} for a paginated field, else nothing. */
  private static String pageArgument(JsonNode field) {
    for (JsonNode arg : field.path("args")) {
      if (PAGE_SIZE_ARGUMENTS.contains(arg.path("name").asText())) {
        return "(" + arg.path("name").asText() + ": " + PAGE + ")";
      }
    }
    return "";
  }

  private static boolean leafKind(JsonNode type) {
    JsonNode named = type;
    while (named.path("kind").asText().equals("NON_NULL")
        || named.path("kind").asText().equals("LIST")) {
      named = named.path("ofType");
    }
    String kind = named.path("kind").asText();
    return kind.equals("SCALAR") || kind.equals("ENUM");
  }

  private static String quote(String value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A digest of every row the organization owns, per table; a use of a token may move its last-use
   * time, nothing else.
   */
  private Map<String, String> snapshot(UUID organizationId) {
    Map<String, String> digests = new TreeMap<>();
    for (Table<?> table : dev.firmament.sql.generated.DefaultSchema.DEFAULT_SCHEMA.getTables()) {
      boolean own = table.field("organization_id") != null;
      if (!own && !table.getName().equals("organizations")) {
        continue;
      }
      // The audit log is the system's own record and is sealed in the background; what the
      // intruder's calls appended is the intruder's (AuditTrailTest checks the log itself).
      if (table.getName().startsWith("audit_")) {
        continue;
      }
      String column = own ? "organization_id" : "id";
      // Nor are the audit entries' rows in the change feed (kind AUDIT), which follow the log.
      String ownRows = table.getName().equals("change_events") ? " and kind <> 'AUDIT'" : "";
      String digest =
          dsl.resultQuery(
                  "select coalesce(md5(string_agg(j::text, ',' order by j::text)), '') from (select"
                      + " to_jsonb(t) - 'last_used_at' as j from "
                      + table.getName()
                      + " t where "
                      + column
                      + " = {0}"
                      + ownRows
                      + ") rows",
                  DSL.val(organizationId))
              .fetchOne(0, String.class);
      digests.put(table.getName(), digest);
    }
    return digests;
  }
}
