package dev.firmament.api.webhook;

import dev.firmament.api.Page;
import dev.firmament.api.Pagination;
import dev.firmament.api.event.EventStreams;
import dev.firmament.api.tenant.TenantResolver;
import java.time.OffsetDateTime;
import java.util.List;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/** Integrations and webhooks: {@code Query.integrations}, {@code webhook} and their mutations. */
@Controller
public class WebhookController {
  private final Webhooks webhooks;
  private final TenantResolver tenants;

  public WebhookController(Webhooks webhooks, TenantResolver tenants) {
    this.webhooks = webhooks;
    this.tenants = tenants;
  }

  @QueryMapping
  public Page<Webhook.Integration> integrations(@Argument Integer from, @Argument Integer size) {
    return webhooks.integrations(tenants.organizationId(), Pagination.fromSize(from, size));
  }

  @QueryMapping
  public Webhook webhook(@Argument String id) {
    return webhooks.find(tenants.organizationId(), id);
  }

  @SchemaMapping(typeName = "Webhook", field = "pending")
  public int pending(Webhook webhook) {
    return webhooks.pending(webhook.id());
  }

  @SchemaMapping(typeName = "Webhook", field = "deliveries")
  public Page<Webhook.Delivery> deliveries(
      Webhook webhook, @Argument String state, @Argument Integer from, @Argument Integer size) {
    webhooks.requireAudience(webhook);
    return webhooks.deliveries(webhook.id(), state, Pagination.fromSize(from, size));
  }

  @SchemaMapping(typeName = "Webhook", field = "logs")
  public Page<Webhook.Log> logs(Webhook webhook, @Argument Integer from, @Argument Integer size) {
    webhooks.requireAudience(webhook);
    return webhooks.logs(webhook.id(), Pagination.fromSize(from, size));
  }

  public record CreateWebhookInput(
      String name,
      String url,
      EventStreams.StreamFilter filter,
      String bodyTemplate,
      List<Webhooks.Header> headers,
      Boolean audit) {}

  public record UpdateWebhookInput(
      String id,
      String url,
      EventStreams.StreamFilter filter,
      String bodyTemplate,
      List<Webhooks.Header> headers,
      Boolean audit) {}

  public record WebhookInput(String id) {}

  public record WebhookPayload(Webhook webhook) {}

  public record ReplayWebhookDeliveriesInput(String id, OffsetDateTime from, OffsetDateTime to) {}

  public record ReplayWebhookDeliveriesPayload(Webhook webhook, int replayed) {}

  public record DeleteIntegrationInput(String id) {}

  public record DeleteIntegrationPayload(String deletedId) {}

  @MutationMapping
  public Webhooks.WithSecret createWebhook(@Argument CreateWebhookInput input) {
    return webhooks.create(
        input.name(),
        input.url(),
        input.filter(),
        input.bodyTemplate(),
        input.headers(),
        Boolean.TRUE.equals(input.audit()));
  }

  @MutationMapping
  public WebhookPayload updateWebhook(@Argument UpdateWebhookInput input) {
    return new WebhookPayload(
        webhooks.update(
            input.id(),
            input.url(),
            input.filter(),
            input.bodyTemplate(),
            input.headers(),
            input.audit()));
  }

  @MutationMapping
  public Webhooks.WithSecret rotateWebhookSecret(@Argument WebhookInput input) {
    return webhooks.rotateSecret(input.id());
  }

  @MutationMapping
  public WebhookPayload pauseWebhook(@Argument WebhookInput input) {
    return new WebhookPayload(webhooks.pause(input.id()));
  }

  @MutationMapping
  public WebhookPayload resumeWebhook(@Argument WebhookInput input) {
    return new WebhookPayload(webhooks.resume(input.id()));
  }

  @MutationMapping
  public ReplayWebhookDeliveriesPayload replayWebhookDeliveries(
      @Argument ReplayWebhookDeliveriesInput input) {
    int replayed = webhooks.replay(input.id(), input.from(), input.to());
    return new ReplayWebhookDeliveriesPayload(
        webhooks.find(tenants.organizationId(), input.id()), replayed);
  }

  @MutationMapping
  public DeleteIntegrationPayload deleteIntegration(@Argument DeleteIntegrationInput input) {
    return new DeleteIntegrationPayload(webhooks.delete(input.id()));
  }
}
