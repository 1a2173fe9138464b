//! Page dates: what a TOML date or date-time in front matter means as a calendar day and
//! a moment in time. Knows nothing of pages or files.

use jiff::Timestamp;
use toml::value::{Datetime, Offset};

/// A page's date: the calendar day as written and the moment it stands for (a bare date
/// is midnight UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageDate {
    pub at: Timestamp,
    pub day: jiff::civil::Date,
}

impl PageDate {
    /// A calendar day as the moment it starts, in UTC.
    pub fn from_day(day: jiff::civil::Date) -> PageDate {
        let at = day
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or_default();
        PageDate { at, day }
    }
}

/// A TOML date or date-time as a [`PageDate`]. A date-time without offset is UTC.
pub fn page_date(value: &Datetime) -> Result<PageDate, String> {
    let Some(date) = value.date else {
        return Err(format!("`{value}` is a time without a date"));
    };
    let day = jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
        .map_err(|e| format!("`{value}` is not a date: {e}"))?;
    let time = match value.time {
        Some(t) => jiff::civil::Time::new(
            t.hour as i8,
            t.minute as i8,
            t.second.unwrap_or(0) as i8,
            t.nanosecond.unwrap_or(0) as i32,
        )
        .map_err(|e| format!("`{value}` is not a time: {e}"))?,
        None => jiff::civil::Time::midnight(),
    };
    let offset_seconds = match value.offset {
        Some(Offset::Custom { minutes }) => i32::from(minutes) * 60,
        _ => 0,
    };
    let offset = jiff::tz::Offset::from_seconds(offset_seconds)
        .map_err(|e| format!("`{value}` has an impossible offset: {e}"))?;
    let at = offset
        .to_timestamp(day.to_datetime(time))
        .map_err(|e| format!("`{value}` is out of range: {e}"))?;
    Ok(PageDate { at, day })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PageDate, String> {
        let value: Datetime = text.parse().map_err(|e| format!("{e}"))?;
        page_date(&value)
    }

    #[test]
    fn a_bare_date_is_midnight_utc() {
        let date = parse("2018-05-15").unwrap();
        assert_eq!(date.day.to_string(), "2018-05-15");
        assert_eq!(date.at.to_string(), "2018-05-15T00:00:00Z");
    }

    #[test]
    fn a_date_time_keeps_its_offset() {
        let date = parse("2026-03-18T09:00:00+01:00").unwrap();
        assert_eq!(date.day.to_string(), "2026-03-18");
        assert_eq!(date.at.to_string(), "2026-03-18T08:00:00Z");
    }

    #[test]
    fn impossible_dates_and_bare_times_are_errors() {
        let february_30 = Datetime {
            date: Some(toml::value::Date {
                year: 2021,
                month: 2,
                day: 30,
            }),
            time: None,
            offset: None,
        };
        assert!(page_date(&february_30).unwrap_err().contains("not a date"));
        assert!(
            parse("09:00:00")
                .unwrap_err()
                .contains("time without a date")
        );
    }
}
