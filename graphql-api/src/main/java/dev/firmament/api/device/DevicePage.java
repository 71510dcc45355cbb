package dev.firmament.api.device;

import java.util.List;

/**
 * One page of the pagination guide.
 *
 * @param last the offset of the last item returned; null when the page is empty
 */
public record DevicePage(int total, boolean hasMore, Integer last, List<Device> items) {

  static DevicePage of(int offset, int total, List<Device> items) {
    Integer last = items.isEmpty() ? null : offset + items.size() - 1;
    return new DevicePage(total, (long) offset + items.size() < total, last, items);
  }
}
