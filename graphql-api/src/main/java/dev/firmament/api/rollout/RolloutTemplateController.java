package dev.firmament.api.rollout;

import dev.firmament.api.tenant.Login;
import java.util.List;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/** Rollout templates in GraphQL: save a version, list them, read a version's plan. */
@Controller
public class RolloutTemplateController {
  private final RolloutTemplateService templates;

  public RolloutTemplateController(RolloutTemplateService templates) {
    this.templates = templates;
  }

  /** {@code SaveRolloutTemplatePayload}. */
  public record SaveRolloutTemplatePayload(RolloutTemplate template) {}

  @MutationMapping
  public SaveRolloutTemplatePayload saveRolloutTemplate(
      @Argument RolloutPlanInput.SaveTemplate input) {
    return new SaveRolloutTemplatePayload(templates.save(input));
  }

  @SchemaMapping(typeName = "Login", field = "rolloutTemplates")
  public List<RolloutTemplate> rolloutTemplates(Login login, @Argument String name) {
    return templates.list(name);
  }

  @SchemaMapping(typeName = "RolloutTemplate", field = "plan")
  public OtaJobPlan plan(RolloutTemplate template) {
    return OtaJobPlan.of(RolloutTemplateService.plan(template), true);
  }

  @SchemaMapping(typeName = "RolloutTemplate", field = "maxInFlight")
  public Integer maxInFlight(RolloutTemplate template) {
    return template.input().maxInFlight();
  }

  @SchemaMapping(typeName = "RolloutTemplate", field = "deviceTimeoutSeconds")
  public Integer deviceTimeoutSeconds(RolloutTemplate template) {
    return template.input().deviceTimeoutSeconds();
  }
}
