package dev.firmament.api.webhook;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Pagination;
import dev.firmament.api.event.EventStreams;
import dev.firmament.api.tenant.TenantResolver;
import graphql.schema.DataFetchingEnvironment;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;

/** Integrations and webhooks: {@code Query.integrations}, {@code webhook} and their mutations. */
@Controller
public class WebhookController {
  private static final String DELIVERIES = "webhookDeliveries";
  private static final String LOGS = "webhookLogs";

  private final Webhooks webhooks;
  private final TenantResolver tenants;

  public WebhookController(Webhooks webhooks, TenantResolver tenants, BatchLoaderRegistry loaders) {
    Paged.register(loaders, DELIVERIES, webhooks::deliveryPages);
    Paged.register(loaders, LOGS, webhooks::logPages);
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

  /** Each webhook's pending deliveries: one statement for a whole list of webhooks. */
  @BatchMapping(typeName = "Webhook", field = "pending")
  public Map<Webhook, Integer> pending(List<Webhook> sources) {
    Map<String, Integer> counts =
        webhooks.pending(
            tenants.organizationId(), sources.stream().map(Webhook::id).distinct().toList());
    return mapEach(sources, w -> counts.get(w.id()));
  }

  /** A page of each webhook's deliveries: one statement per state for a whole list of webhooks. */
  @SchemaMapping(typeName = "Webhook", field = "deliveries")
  public CompletableFuture<Page<Webhook.Delivery>> deliveries(
      Webhook webhook,
      @Argument String state,
      @Argument Integer from,
      @Argument Integer size,
      DataFetchingEnvironment env) {
    webhooks.requireAudience(webhook);
    return Paged.child(
        env,
        DELIVERIES,
        tenants.organizationId(),
        new Webhooks.DeliveryList(UUID.fromString(webhook.id()), state),
        from,
        size,
        null);
  }

  /** A page of each webhook's attempts: one statement for a whole list of webhooks. */
  @SchemaMapping(typeName = "Webhook", field = "logs")
  public CompletableFuture<Page<Webhook.Log>> logs(
      Webhook webhook,
      @Argument Integer from,
      @Argument Integer size,
      DataFetchingEnvironment env) {
    webhooks.requireAudience(webhook);
    return Paged.child(
        env, LOGS, tenants.organizationId(), UUID.fromString(webhook.id()), from, size, null);
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
