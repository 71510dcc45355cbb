package dev.firmament.api.rollout;

/** The orders of a job's results ({@code OTAResultSort}); the device id breaks ties. */
public enum OtaResultSort {
  DEVICE_ID,
  /** The most recently changed first. */
  UPDATED_AT_DESC
}
