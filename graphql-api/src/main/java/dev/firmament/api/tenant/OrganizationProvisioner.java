package dev.firmament.api.tenant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/** Creates the configured organization at startup, so a fresh database is usable at once. */
@Component
public class OrganizationProvisioner implements ApplicationRunner {
  private static final Logger log = LoggerFactory.getLogger(OrganizationProvisioner.class);
  private final TenantResolver tenants;

  public OrganizationProvisioner(TenantResolver tenants) {
    this.tenants = tenants;
  }

  @Override
  public void run(ApplicationArguments args) {
    Organization organization = tenants.ensureProvisioned();
    log.info("acting for organization slug={} id={}", organization.slug(), organization.id());
  }
}
