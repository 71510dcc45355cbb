package dev.firmament.api.rollout;

import static dev.firmament.sql.generated.Tables.ROLLOUT_TEMPLATES;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firmament.api.Ids;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;
import dev.firmament.api.tenant.TenantResolver;
import dev.firmament.sql.generated.tables.records.RolloutTemplatesRecord;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.security.access.prepost.PreAuthorize;
import org.springframework.stereotype.Service;

/**
 * Rollout templates: named, versioned plans an organization reuses ({@code createOTAJob(input:
 * {templateId})}). Saving a name again makes its next version; a version never changes, so a
 * rollout created from a template can always be traced to the plan it started from.
 */
@Service
public class RolloutTemplateService {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final DSLContext dsl;
  private final TenantResolver tenants;

  public RolloutTemplateService(DSLContext dsl, TenantResolver tenants) {
    this.dsl = dsl;
    this.tenants = tenants;
  }

  /**
   * Saves the next version of the named template after checking its plan as createOTAJob would
   * (everything but what depends on a product: groups that exist).
   */
  @PreAuthorize("hasAuthority('SCOPE_rollouts:write')")
  public RolloutTemplate save(RolloutPlanInput.SaveTemplate input) {
    RolloutPlans.name(input.name(), "template name");
    RolloutPlanInput.Template template = input.template();
    check(template);
    UUID organizationId = tenants.organizationId();
    UUID id = UUID.randomUUID();
    String json;
    try {
      json = JSON.writeValueAsString(template);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a template input is always JSON", e);
    }
    try {
      // The next version in the same statement; two saves of one name at once meet the unique
      // key, and the second is told to try again rather than overwriting the first.
      dsl.insertInto(
              ROLLOUT_TEMPLATES,
              ROLLOUT_TEMPLATES.ID,
              ROLLOUT_TEMPLATES.ORGANIZATION_ID,
              ROLLOUT_TEMPLATES.NAME,
              ROLLOUT_TEMPLATES.VERSION,
              ROLLOUT_TEMPLATES.PLAN,
              ROLLOUT_TEMPLATES.CREATED_BY)
          .select(
              DSL.select(
                      DSL.val(id),
                      DSL.val(organizationId),
                      DSL.val(input.name()),
                      DSL.coalesce(DSL.max(ROLLOUT_TEMPLATES.VERSION), 0).plus(1),
                      DSL.val(json),
                      DSL.val(Callers.current().actor()))
                  .from(ROLLOUT_TEMPLATES)
                  .where(ROLLOUT_TEMPLATES.ORGANIZATION_ID.eq(organizationId))
                  .and(ROLLOUT_TEMPLATES.NAME.eq(input.name())))
          .execute();
    } catch (DuplicateKeyException e) {
      throw new ApiException(
          ErrorCode.CONFLICT,
          "template " + input.name() + " was saved at the same time; save again");
    }
    return find(organizationId, id).orElseThrow();
  }

  /** The organization's templates, by name then newest version first; one name's when given. */
  @PreAuthorize("hasAuthority('SCOPE_rollouts:read')")
  public List<RolloutTemplate> list(String name) {
    var query =
        dsl.selectFrom(ROLLOUT_TEMPLATES)
            .where(ROLLOUT_TEMPLATES.ORGANIZATION_ID.eq(tenants.organizationId()));
    if (name != null) {
      query = query.and(ROLLOUT_TEMPLATES.NAME.eq(name));
    }
    return query
        .orderBy(ROLLOUT_TEMPLATES.NAME, ROLLOUT_TEMPLATES.VERSION.desc())
        .fetch(RolloutTemplateService::toTemplate);
  }

  /**
   * The template a createOTAJob names, of the caller's organization; for {@link RolloutService},
   * which checks the caller's scope itself.
   *
   * @throws ApiException NOT_FOUND for an unknown id or another organization's template
   */
  RolloutTemplate require(String templateId) {
    return Ids.parse(templateId)
        .flatMap(id -> find(tenants.organizationId(), id))
        .orElseThrow(() -> ApiException.notFound("rollout template", templateId));
  }

  /** The plan a template describes, with createOTAJob's defaults filled in. */
  static dev.firmament.orchestrator.rollout.RolloutPlan plan(RolloutTemplate template) {
    RolloutPlanInput.Template input = template.input();
    return RolloutPlans.build(
        input.asInput(),
        input.maxInFlight() == null ? RolloutService.DEFAULT_MAX_IN_FLIGHT : input.maxInFlight());
  }

  private static void check(RolloutPlanInput.Template template) {
    if (template.maxInFlight() != null
        && (template.maxInFlight() < 1
            || template.maxInFlight() > RolloutService.MAX_MAX_IN_FLIGHT)) {
      throw ApiException.invalid(
          "maxInFlight must be between 1 and " + RolloutService.MAX_MAX_IN_FLIGHT);
    }
    if (template.deviceTimeoutSeconds() != null) {
      if (template.deviceTimeoutSeconds() < 1) {
        throw ApiException.invalid("deviceTimeoutSeconds must be at least 1");
      }
      RolloutPlans.seconds(
          template.deviceTimeoutSeconds(), "deviceTimeoutSeconds", RolloutPlans.MAX_DEVICE_TIMEOUT);
    }
    RolloutPlans.build(
        template.asInput(),
        template.maxInFlight() == null
            ? RolloutService.DEFAULT_MAX_IN_FLIGHT
            : template.maxInFlight());
  }

  private Optional<RolloutTemplate> find(UUID organizationId, UUID id) {
    return dsl.selectFrom(ROLLOUT_TEMPLATES)
        .where(ROLLOUT_TEMPLATES.ORGANIZATION_ID.eq(organizationId))
        .and(ROLLOUT_TEMPLATES.ID.eq(id))
        .fetchOptional(RolloutTemplateService::toTemplate);
  }

  private static RolloutTemplate toTemplate(RolloutTemplatesRecord r) {
    try {
      return new RolloutTemplate(
          r.getId(),
          r.getName(),
          r.getVersion(),
          JSON.readValue(r.getPlan(), RolloutPlanInput.Template.class),
          r.getCreatedBy(),
          r.getCreatedAt());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored template " + r.getId() + " is not readable", e);
    }
  }
}
