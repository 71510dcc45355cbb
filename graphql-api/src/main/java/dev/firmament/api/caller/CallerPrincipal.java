package dev.firmament.api.caller;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;

/** The authenticated principal Spring Security holds for a request: one {@link Caller}. */
public record CallerPrincipal(Caller caller) implements OAuth2AuthenticatedPrincipal {

  @Override
  public Map<String, Object> getAttributes() {
    return Map.of(
        "organization_id", caller.organizationId().toString(),
        "sub", caller.actor(),
        "scope", Scope.format(caller.scopes()));
  }

  @Override
  public Collection<? extends GrantedAuthority> getAuthorities() {
    List<GrantedAuthority> authorities =
        caller.scopes().stream()
            .sorted()
            .<GrantedAuthority>map(s -> new SimpleGrantedAuthority(s.authority()))
            .toList();
    return authorities;
  }

  @Override
  public String getName() {
    return caller.actor();
  }
}
