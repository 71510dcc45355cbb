package dev.firmament.api;

import java.util.List;

/**
 * One page of the pagination guide, the envelope of every paged list ({@code DevicePage}, {@code
 * OTAResultPage}, {@code FirmwareOTAJobPage}).
 *
 * @param total every item the list holds, not only this page's
 * @param hasMore whether items follow this page
 * @param last the offset of the last item returned, so the next page starts at {@code last + 1};
 *     null when the page is empty
 */
public record Page<T>(int total, boolean hasMore, Integer last, List<T> items) {

  public static <T> Page<T> of(int offset, int total, List<T> items) {
    Integer last = items.isEmpty() ? null : offset + items.size() - 1;
    return new Page<>(total, (long) offset + items.size() < total, last, List.copyOf(items));
  }
}
