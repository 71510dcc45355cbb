package dev.firmament.api.usage;

import dev.firmament.api.error.ApiException;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * A period of data usage: a calendar month ({@code 2026-12}) or a day ({@code 2026-12-06}), in UTC,
 * as the usage tables count them. {@code end} is the first day after the period.
 */
public record UsagePeriod(String name, LocalDate start, LocalDate end) {
  private static final Pattern MONTH = Pattern.compile("\\d{4}-\\d{2}");
  private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

  public UsagePeriod {
    if (!start.isBefore(end)) {
      throw new IllegalArgumentException("a period ends after it starts: " + start + ", " + end);
    }
  }

  public static UsagePeriod month(YearMonth month) {
    return new UsagePeriod(month.toString(), month.atDay(1), month.plusMonths(1).atDay(1));
  }

  public static UsagePeriod day(LocalDate day) {
    return new UsagePeriod(day.toString(), day, day.plusDays(1));
  }

  /**
   * The period a client names: {@code YYYY-MM} or {@code YYYY-MM-DD}; {@code fallback} when null.
   * Anything else is INVALID_ARGUMENT.
   */
  public static UsagePeriod parse(String text, UsagePeriod fallback) {
    if (text == null) {
      return fallback;
    }
    String value = text.strip();
    try {
      if (MONTH.matcher(value).matches()) {
        return month(YearMonth.parse(value));
      }
      if (DAY.matcher(value).matches()) {
        return day(LocalDate.parse(value));
      }
    } catch (DateTimeParseException e) {
      throw ApiException.invalid("period: no such month or day: " + value);
    }
    throw ApiException.invalid(
        "period must be a month (YYYY-MM) or a day (YYYY-MM-DD), UTC, got '" + text + "'");
  }

  /** A date argument ({@code YYYY-MM-DD}) named {@code field}; null stays null. */
  public static LocalDate date(String field, String text) {
    if (text == null) {
      return null;
    }
    String value = text.strip();
    if (!DAY.matcher(value).matches()) {
      throw ApiException.invalid(field + " must be a day (YYYY-MM-DD), got '" + text + "'");
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid(field + ": no such day: " + value);
    }
  }
}
