package dev.firmament.api.cloud;

import static dev.firmament.sql.generated.Tables.DEVICE_FUNCTIONS;
import static dev.firmament.sql.generated.Tables.DEVICE_VARIABLES;

import dev.firmament.api.AnyOf;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Repository;

/** The functions and variables devices declared in their presence (written by the workers). */
@Repository
public class CloudInterfaceRepository {
  private final DSLContext dsl;

  public CloudInterfaceRepository(DSLContext dsl) {
    this.dsl = dsl;
  }

  /** Each device's functions in its order, in one query; devices without any are absent. */
  public Map<String, List<DeviceFunction>> functions(
      UUID organizationId, Collection<String> deviceIds) {
    Map<String, List<DeviceFunction>> result = new HashMap<>();
    if (deviceIds.isEmpty()) {
      return result;
    }
    dsl.select(DEVICE_FUNCTIONS.DEVICE_ID, DEVICE_FUNCTIONS.NAME)
        .from(DEVICE_FUNCTIONS)
        .where(DEVICE_FUNCTIONS.ORGANIZATION_ID.eq(organizationId))
        .and(AnyOf.strings(DEVICE_FUNCTIONS.DEVICE_ID, deviceIds))
        .orderBy(DEVICE_FUNCTIONS.DEVICE_ID, DEVICE_FUNCTIONS.POSITION)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(new DeviceFunction(r.value2())));
    return result;
  }

  /** Each device's variables in its order, in one query; devices without any are absent. */
  public Map<String, List<DeviceVariable>> variables(
      UUID organizationId, Collection<String> deviceIds) {
    Map<String, List<DeviceVariable>> result = new HashMap<>();
    if (deviceIds.isEmpty()) {
      return result;
    }
    dsl.select(DEVICE_VARIABLES.DEVICE_ID, DEVICE_VARIABLES.NAME, DEVICE_VARIABLES.TYPE)
        .from(DEVICE_VARIABLES)
        .where(DEVICE_VARIABLES.ORGANIZATION_ID.eq(organizationId))
        .and(AnyOf.strings(DEVICE_VARIABLES.DEVICE_ID, deviceIds))
        .orderBy(DEVICE_VARIABLES.DEVICE_ID, DEVICE_VARIABLES.POSITION)
        .forEach(
            r ->
                result
                    .computeIfAbsent(r.value1(), k -> new ArrayList<>())
                    .add(new DeviceVariable(r.value2(), r.value3())));
    return result;
  }
}
