//! Local times in China Standard Time (UTC+08:00, no daylight saving since 1991), as
//! whole seconds, written as RFC 3339 (section 5.6) with the `+08:00` offset.
//!
//! The layers only need to count days and print dates, so the civil-calendar arithmetic
//! is done here with integers (Hinnant's `days_from_civil`, proleptic Gregorian) rather
//! than through a date library.

use std::fmt;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// A wall-clock time in UTC+08:00: seconds since 1970-01-01T00:00:00+08:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct LocalTime(pub i64);

impl LocalTime {
    /// Midnight starting the given day.
    pub(crate) fn midnight(year: i64, month: u32, day: u32) -> LocalTime {
        LocalTime(days_from_civil(year, month, day) * DAY)
    }

    /// Days since 1970-01-01 (negative before).
    pub(crate) fn day(self) -> i64 {
        self.0.div_euclid(DAY)
    }

    /// The weekday, 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday).
    pub(crate) fn weekday(self) -> i64 {
        (self.day() + 3).rem_euclid(7)
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = civil_from_days(self.day());
        let s = self.0.rem_euclid(DAY);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

/// Days from 1970-01-01 to a date (Hinnant, "chrono-Compatible Low-Level Date
/// Algorithms").
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01: the inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_print_as_rfc_3339() {
        assert_eq!(LocalTime::midnight(1970, 1, 1), LocalTime(0));
        let t = LocalTime(LocalTime::midnight(2026, 3, 1).0 + 8 * 3600 + 15 * 60);
        assert_eq!(t.to_string(), "2026-03-01T08:15:00+08:00");
        assert_eq!(
            LocalTime(LocalTime::midnight(2024, 3, 1).0 - 1).to_string(),
            "2024-02-29T23:59:59+08:00"
        );
        assert_eq!(
            LocalTime::midnight(1995, 1, 1).to_string(),
            "1995-01-01T00:00:00+08:00"
        );
        for day in -800_000..800_000 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn weekdays() {
        // 2026-03-02 is a Monday, 2025-12-07 a Sunday
        assert_eq!(LocalTime::midnight(2026, 3, 2).weekday(), 0);
        assert_eq!(LocalTime::midnight(2025, 12, 7).weekday(), 6);
        assert_eq!(LocalTime::midnight(1970, 1, 1).weekday(), 3);
    }
}
