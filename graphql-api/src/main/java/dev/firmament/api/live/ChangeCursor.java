package dev.firmament.api.live;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;

/**
 * A position in the change feed: the writing transaction's id and the row's id, in the order the
 * feed is read. Clients see it as an opaque string ({@code "<tx>.<id>"}) and pass it back as {@code
 * after} to resume.
 */
public record ChangeCursor(long tx, long id) implements Comparable<ChangeCursor> {

  /** Before every row. */
  public static final ChangeCursor START = new ChangeCursor(0, 0);

  public ChangeCursor {
    if (tx < 0 || id < 0) {
      throw new IllegalArgumentException("a change cursor is not negative");
    }
  }

  /**
   * Reads a cursor a client passed back.
   *
   * @throws ApiException INVALID_ARGUMENT when it is not one this server gave out
   */
  public static ChangeCursor parse(String text) {
    // Two longs and a dot are at most 39 characters; longer text is not read at all.
    int dot = text == null || text.length() > 39 ? -1 : text.indexOf('.');
    if (dot >= 0) {
      try {
        long tx = Long.parseLong(text.substring(0, dot));
        long id = Long.parseLong(text.substring(dot + 1));
        if (tx >= 0 && id >= 0) {
          return new ChangeCursor(tx, id);
        }
      } catch (NumberFormatException e) {
        // refused below
      }
    }
    throw new ApiException(
        ErrorCode.INVALID_ARGUMENT,
        "after is not a change cursor: pass the cursor of the last event received");
  }

  @Override
  public int compareTo(ChangeCursor other) {
    int byTx = Long.compare(tx, other.tx);
    return byTx != 0 ? byTx : Long.compare(id, other.id);
  }

  public boolean isAfter(ChangeCursor other) {
    return compareTo(other) > 0;
  }

  @Override
  public String toString() {
    return tx + "." + id;
  }
}
