package dev.firmament.api.network;

import dev.firmament.protocol.NetworkSettings;

/**
 * The checks of a network's fields before anything is written; each returns the problem, or null
 * when there is none. The settings' rules are the device protocol's ({@link NetworkSettings}), so
 * the API accepts exactly what a device checks.
 */
final class NetworkRules {
  static final int MAX_NAME = 100;
  static final int MAX_DESCRIPTION = 1000;

  private NetworkRules() {}

  static String nameProblem(String name) {
    String value = name == null ? "" : name.strip();
    if (value.isEmpty() || value.length() > MAX_NAME) {
      return "a network's name is 1 to " + MAX_NAME + " characters";
    }
    if (value.chars().anyMatch(Character::isISOControl)) {
      return "a network's name has no control characters";
    }
    return null;
  }

  static String descriptionProblem(String description) {
    if (description != null && description.strip().length() > MAX_DESCRIPTION) {
      return "a description is at most " + MAX_DESCRIPTION + " characters";
    }
    return null;
  }

  static String kindProblem(String kind) {
    return kind != null && NetworkSettings.KINDS.contains(kind)
        ? null
        : "the kind is MESH, VLAN or PRIVATE_APN, was " + kind;
  }

  static String roleProblem(String role) {
    return role != null && NetworkSettings.ROLES.contains(role)
        ? null
        : "the role is GATEWAY or NODE, was " + role;
  }

  /**
   * Why a device cannot join a network in {@code role}: a mesh has one gateway (it forms the mesh
   * and coordinates it), so a second one is refused; VLANs and private APNs take any number.
   */
  static String roleConflict(String kind, String role, boolean networkHasGateway) {
    if ("MESH".equals(kind) && "GATEWAY".equals(role) && networkHasGateway) {
      return "a mesh has one gateway and this one has it: remove that one first";
    }
    return null;
  }
}
