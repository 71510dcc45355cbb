package dev.firmament.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a device lets the cloud reach, declared in its online presence: the names of the functions
 * it can be asked to run and the variables it can be asked to read, each variable with its type. At
 * most {@value #MAX_ENTRIES} functions and {@value #MAX_ENTRIES} variables, names of 1 to {@value
 * #MAX_NAME_LENGTH} characters {@code [A-Za-z0-9_.-]}, each declared once; variable types are
 * {@code int32}, {@code double}, {@code string} or {@code bool} (the device cloud's types).
 *
 * @param functions function names, in the device's order
 * @param variables variable names to their types, in the device's order
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CloudInterface(List<String> functions, Map<String, String> variables) {
  public static final int MAX_ENTRIES = 20;
  public static final int MAX_NAME_LENGTH = 64;
  public static final Set<String> VARIABLE_TYPES = Set.of("int32", "double", "string", "bool");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1," + MAX_NAME_LENGTH + "}");

  public static final CloudInterface NONE = new CloudInterface(List.of(), Map.of());

  public CloudInterface {
    functions = functions == null ? List.of() : List.copyOf(functions);
    variables =
        variables == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(variables));
    Checks.require(
        functions.size() <= MAX_ENTRIES,
        "cloud.functions: at most " + MAX_ENTRIES + " functions, was " + functions.size());
    Checks.require(
        variables.size() <= MAX_ENTRIES,
        "cloud.variables: at most " + MAX_ENTRIES + " variables, was " + variables.size());
    Set<String> seen = new HashSet<>();
    for (String name : functions) {
      checkName("cloud.functions", name);
      Checks.require(seen.add(name), "cloud.functions: " + name + " is declared twice");
    }
    variables.forEach(
        (name, type) -> {
          checkName("cloud.variables", name);
          Checks.require(
              type != null && VARIABLE_TYPES.contains(type),
              "cloud.variables: the type of "
                  + name
                  + " must be one of int32, double, string, bool, was "
                  + type);
        });
  }

  static void checkName(String field, String name) {
    Checks.require(
        name != null && NAME.matcher(name).matches(),
        field
            + ": a name must be 1 to "
            + MAX_NAME_LENGTH
            + " characters of [A-Za-z0-9_.-], was "
            + name);
  }
}
