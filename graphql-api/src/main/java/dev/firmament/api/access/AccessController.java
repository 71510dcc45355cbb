package dev.firmament.api.access;

import static dev.firmament.api.BatchResults.mapEach;

import dev.firmament.api.Page;
import dev.firmament.api.Paged;
import dev.firmament.api.Paged.ChildPage;
import dev.firmament.api.Pagination;
import dev.firmament.api.access.AccessModel.ApiToken;
import dev.firmament.api.access.AccessModel.Customer;
import dev.firmament.api.access.AccessModel.CustomerDeviceMapping;
import dev.firmament.api.access.AccessModel.IssuedClient;
import dev.firmament.api.access.AccessModel.IssuedToken;
import dev.firmament.api.access.AccessModel.OAuth2Client;
import dev.firmament.api.access.AccessModel.OrganizationMember;
import dev.firmament.api.access.AccessModel.Team;
import dev.firmament.api.access.AccessModel.TeamMember;
import dev.firmament.api.access.AccessModel.User;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.Callers;
import dev.firmament.api.caller.Scope;
import dev.firmament.api.tenant.Login;
import dev.firmament.api.tenant.Organization;
import graphql.schema.DataFetchingEnvironment;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.springframework.graphql.data.method.annotation.Argument;
import org.springframework.graphql.data.method.annotation.BatchMapping;
import org.springframework.graphql.data.method.annotation.MutationMapping;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.graphql.execution.BatchLoaderRegistry;
import org.springframework.stereotype.Controller;
import reactor.core.publisher.Mono;

/** The access-control part of the schema (access.graphqls). */
@Controller
public class AccessController {
  private final AccessService service;
  private final AccessRepository access;

  private static final String TEAM_MEMBERS = "teamMembers";
  private static final String CUSTOMER_DEVICES = "customerDevices";

  public AccessController(
      AccessService service, AccessRepository access, BatchLoaderRegistry loaders) {
    this.service = service;
    this.access = access;
    loaders
        .<ChildPage<UUID>, Page<TeamMember>>forName(TEAM_MEMBERS)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> Paged.batch(keys, access::teamMemberPages)));
    loaders
        .<ChildPage<UUID>, Page<CustomerDeviceMapping>>forName(CUSTOMER_DEVICES)
        .registerMappedBatchLoader(
            (keys, env) -> Mono.fromCallable(() -> Paged.batch(keys, access::mappingPages)));
  }

  public record Viewer(String actor, String kind, List<String> scopes, String role) {}

  @SchemaMapping(typeName = "Login")
  public Viewer viewer(Login login) {
    Caller caller = Callers.current();
    String role =
        caller.userId() == null
            ? null
            : access.roleOf(caller.organizationId(), caller.userId()).orElse(null);
    return new Viewer(
        caller.actor(),
        caller.kind().name(),
        caller.scopes().stream().sorted().map(Scope::value).toList(),
        role);
  }

  @SchemaMapping(typeName = "Organization")
  public boolean requireSeparateApprover(Organization organization) {
    return service.requiresSeparateApprover(organization.id());
  }

  @SchemaMapping(typeName = "Organization")
  public Page<OrganizationMember> members(
      Organization organization,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return service.members(Pagination.fromSize(from, size), sort);
  }

  @SchemaMapping(typeName = "Organization")
  public Page<Team> teams(
      Organization organization,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return service.teams(Pagination.fromSize(from, size), sort);
  }

  @SchemaMapping(typeName = "Organization")
  public Page<Customer> customers(
      Organization organization,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return service.customers(Pagination.fromSize(from, size), sort);
  }

  @SchemaMapping(typeName = "Organization")
  public Page<ApiToken> apiTokens(
      Organization organization,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return service.apiTokens(Pagination.fromSize(from, size), sort);
  }

  @SchemaMapping(typeName = "Organization")
  public Page<OAuth2Client> oauth2Clients(
      Organization organization,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return service.oauth2Clients(Pagination.fromSize(from, size), sort);
  }

  @SchemaMapping(typeName = "Organization")
  public Page<AccessModel.SigningKey> signingKeys(
      Organization organization,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort) {
    return service.signingKeys(Pagination.fromSize(from, size), sort);
  }

  public record CreateSigningKeyPayload(AccessModel.SigningKey signingKey, String secret) {}

  public record RevokeSigningKeyPayload(AccessModel.SigningKey signingKey) {}

  @MutationMapping
  public CreateSigningKeyPayload createSigningKey(@Argument CreateAPITokenInput input) {
    AccessModel.IssuedSigningKey issued =
        service.createSigningKey(input.name(), input.scopes(), input.expiresInDays());
    return new CreateSigningKeyPayload(issued.signingKey(), issued.secret());
  }

  @MutationMapping
  public RevokeSigningKeyPayload revokeSigningKey(@Argument IdInput input) {
    return new RevokeSigningKeyPayload(service.revokeSigningKey(input.id()));
  }

  /** Each client's tokens: one statement for a whole list of clients. */
  @BatchMapping(typeName = "OAuth2Client", field = "tokens")
  public Map<OAuth2Client, List<AccessModel.OAuth2Token>> tokens(List<OAuth2Client> clients) {
    Map<UUID, List<AccessModel.OAuth2Token>> byClient =
        service.oauth2Tokens(clients.stream().map(OAuth2Client::id).distinct().toList());
    return mapEach(clients, c -> byClient.getOrDefault(c.id(), List.of()));
  }

  @SchemaMapping(typeName = "Team")
  public CompletableFuture<Page<TeamMember>> members(
      Team team,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort,
      DataFetchingEnvironment env) {
    ChildPage<UUID> key = service.teamMemberPage(team.id(), Pagination.fromSize(from, size), sort);
    return env.<ChildPage<UUID>, Page<TeamMember>>getDataLoader(TEAM_MEMBERS).load(key);
  }

  @SchemaMapping(typeName = "Customer")
  public CompletableFuture<Page<CustomerDeviceMapping>> devices(
      Customer customer,
      @Argument Integer from,
      @Argument Integer size,
      @Argument String sort,
      DataFetchingEnvironment env) {
    ChildPage<UUID> key = service.mappingPage(customer.id(), Pagination.fromSize(from, size), sort);
    return env.<ChildPage<UUID>, Page<CustomerDeviceMapping>>getDataLoader(CUSTOMER_DEVICES)
        .load(key);
  }

  // --- mutations -----------------------------------------------------------------------------

  public record CreateAPITokenInput(String name, List<String> scopes, Integer expiresInDays) {}

  public record CreateAPITokenPayload(ApiToken apiToken, String token) {
    static CreateAPITokenPayload of(IssuedToken issued) {
      return new CreateAPITokenPayload(issued.apiToken(), issued.token());
    }
  }

  public record IdInput(String id) {}

  public record RevokeAPITokenPayload(ApiToken apiToken) {}

  public record CreateCustomerTokenInput(String customerId, String name, Integer expiresInDays) {}

  public record CreateOAuth2ClientInput(
      String name, List<String> scopes, Integer tokenTtlSeconds) {}

  public record CreateOAuth2ClientPayload(OAuth2Client client, String clientSecret) {}

  public record RevokeOAuth2ClientPayload(OAuth2Client client) {}

  public record PutOrganizationMemberInput(String email, String name, String role) {}

  public record PutOrganizationMemberPayload(OrganizationMember member) {}

  public record RemoveOrganizationMemberInput(String email) {}

  public record RemoveOrganizationMemberPayload(User user) {}

  public record SetRequireSeparateApproverInput(boolean required) {}

  public record SetRequireSeparateApproverPayload(boolean requireSeparateApprover) {}

  public record CreateTeamInput(String name) {}

  public record CreateTeamPayload(Team team) {}

  public record TeamMemberInput(String teamId, String email) {}

  public record AddTeamMemberPayload(TeamMember member) {}

  public record RemovedPayload(boolean removed) {}

  public record CreateCustomerInput(String productId, String email) {}

  public record CreateCustomerPayload(Customer customer) {}

  public record CustomerDeviceInput(String customerId, String deviceId) {}

  public record MapCustomerDevicePayload(CustomerDeviceMapping mapping) {}

  @MutationMapping
  public CreateAPITokenPayload createAPIToken(@Argument CreateAPITokenInput input) {
    return CreateAPITokenPayload.of(
        service.createApiToken(input.name(), input.scopes(), input.expiresInDays()));
  }

  @MutationMapping
  public RevokeAPITokenPayload revokeAPIToken(@Argument IdInput input) {
    return new RevokeAPITokenPayload(service.revokeApiToken(input.id()));
  }

  @MutationMapping
  public CreateAPITokenPayload createCustomerToken(@Argument CreateCustomerTokenInput input) {
    return CreateAPITokenPayload.of(
        service.createCustomerToken(input.customerId(), input.name(), input.expiresInDays()));
  }

  @MutationMapping
  public CreateOAuth2ClientPayload createOAuth2Client(@Argument CreateOAuth2ClientInput input) {
    IssuedClient issued =
        service.createOAuth2Client(input.name(), input.scopes(), input.tokenTtlSeconds());
    return new CreateOAuth2ClientPayload(issued.client(), issued.clientSecret());
  }

  @MutationMapping
  public RevokeOAuth2ClientPayload revokeOAuth2Client(@Argument IdInput input) {
    return new RevokeOAuth2ClientPayload(service.revokeOAuth2Client(input.id()));
  }

  @MutationMapping
  public PutOrganizationMemberPayload putOrganizationMember(
      @Argument PutOrganizationMemberInput input) {
    return new PutOrganizationMemberPayload(
        service.putMember(input.email(), input.name(), input.role()));
  }

  @MutationMapping
  public RemoveOrganizationMemberPayload removeOrganizationMember(
      @Argument RemoveOrganizationMemberInput input) {
    return new RemoveOrganizationMemberPayload(service.removeMember(input.email()));
  }

  @MutationMapping
  public SetRequireSeparateApproverPayload setRequireSeparateApprover(
      @Argument SetRequireSeparateApproverInput input) {
    return new SetRequireSeparateApproverPayload(
        service.setRequireSeparateApprover(input.required()));
  }

  @MutationMapping
  public CreateTeamPayload createTeam(@Argument CreateTeamInput input) {
    return new CreateTeamPayload(service.createTeam(input.name()));
  }

  @MutationMapping
  public AddTeamMemberPayload addTeamMember(@Argument TeamMemberInput input) {
    return new AddTeamMemberPayload(service.addTeamMember(input.teamId(), input.email()));
  }

  @MutationMapping
  public RemovedPayload removeTeamMember(@Argument TeamMemberInput input) {
    return new RemovedPayload(service.removeTeamMember(input.teamId(), input.email()));
  }

  @MutationMapping
  public CreateCustomerPayload createCustomer(@Argument CreateCustomerInput input) {
    return new CreateCustomerPayload(service.createCustomer(input.productId(), input.email()));
  }

  @MutationMapping
  public MapCustomerDevicePayload mapCustomerDevice(@Argument CustomerDeviceInput input) {
    return new MapCustomerDevicePayload(service.mapDevice(input.customerId(), input.deviceId()));
  }

  @MutationMapping
  public RemovedPayload unmapCustomerDevice(@Argument CustomerDeviceInput input) {
    return new RemovedPayload(service.unmapDevice(input.customerId(), input.deviceId()));
  }
}
