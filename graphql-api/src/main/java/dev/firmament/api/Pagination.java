package dev.firmament.api;

import dev.firmament.api.error.ApiException;
import dev.firmament.api.error.ErrorCode;

/**
 * The limits of the pagination guide, checked in one place: offsets are 0-based, a page holds at
 * most {@value #MAX_SIZE} items.
 */
public final class Pagination {
  public static final int DEFAULT_SIZE = 100;
  public static final int MAX_SIZE = 1000;

  private Pagination() {}

  /** An offset window; {@code limit} may be zero when only the total is wanted. */
  public record Window(int offset, int limit) {}

  /** Checks {@code from}/{@code size} arguments; nulls take the defaults. */
  public static Window fromSize(Integer from, Integer size) {
    int offset = offset(from);
    int limit = size == null ? DEFAULT_SIZE : size;
    checkSize("size", limit);
    return new Window(offset, limit);
  }

  /** Checks a {@code from} argument on its own; null is 0. */
  public static int offset(Integer from) {
    int offset = from == null ? 0 : from;
    if (offset < 0) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "from must be 0 or more, got " + offset);
    }
    return offset;
  }

  /** Checks 1-based {@code page}/{@code perPage} arguments; nulls take the defaults. */
  public static Window pagePerPage(Integer page, Integer perPage) {
    int pageNumber = page == null ? 1 : page;
    int limit = perPage == null ? DEFAULT_SIZE : perPage;
    if (pageNumber < 1) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "page must be 1 or more, got " + page);
    }
    checkSize("perPage", limit);
    long offset = (long) (pageNumber - 1) * limit;
    if (offset > Integer.MAX_VALUE) {
      throw new ApiException(ErrorCode.INVALID_ARGUMENT, "page is out of range: " + page);
    }
    return new Window((int) offset, limit);
  }

  private static void checkSize(String name, int size) {
    if (size < 0 || size > MAX_SIZE) {
      throw new ApiException(
          ErrorCode.INVALID_ARGUMENT,
          name + " must be between 0 and " + MAX_SIZE + ", got " + size);
    }
  }
}
