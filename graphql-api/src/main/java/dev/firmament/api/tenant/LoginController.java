package dev.firmament.api.tenant;

import org.springframework.graphql.data.method.annotation.QueryMapping;
import org.springframework.stereotype.Controller;

@Controller
public class LoginController {
  private final TenantResolver tenants;

  public LoginController(TenantResolver tenants) {
    this.tenants = tenants;
  }

  @QueryMapping
  public Login login() {
    return new Login(tenants.current());
  }
}
