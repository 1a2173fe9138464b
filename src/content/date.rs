//! Page dates: what a date in front matter means. A date is written at the precision its
//! source gives: a day (a TOML date `2018-05-15` or date-time), a month (`"2021-11"`) or a
//! year (`"2017"`). It sorts and schedules as its first moment, and is shown at its own
//! precision, never more. Knows nothing of pages or files.

use jiff::Timestamp;
use toml::value::{Datetime, Offset};

/// How much of a date its source gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    Year,
    Month,
    Day,
}

/// A date as written: the moment it stands for (its first: a bare date is midnight UTC,
/// a month its first day, a year its 1 January), the calendar day of that moment, and how
/// much of it is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageDate {
    pub at: Timestamp,
    pub day: jiff::civil::Date,
    pub precision: Precision,
}

impl PageDate {
    /// A calendar day as the moment it starts, in UTC.
    pub fn from_day(day: jiff::civil::Date) -> PageDate {
        PageDate::starting(day, Precision::Day)
    }

    fn starting(day: jiff::civil::Date, precision: Precision) -> PageDate {
        let at = day
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or_default();
        PageDate { at, day, precision }
    }

    /// The last calendar day the date covers: 31 December of a year, a month's last day.
    pub fn last_day(&self) -> jiff::civil::Date {
        match self.precision {
            Precision::Year => self.day.last_of_year(),
            Precision::Month => self.day.last_of_month(),
            Precision::Day => self.day,
        }
    }

    /// ISO 8601 at the date's precision: `2017`, `2021-11`, `2018-05-15`.
    pub fn iso(&self) -> String {
        match self.precision {
            Precision::Year => format!("{:04}", self.day.year()),
            Precision::Month => format!("{:04}-{:02}", self.day.year(), self.day.month()),
            Precision::Day => self.day.to_string(),
        }
    }
}

/// The forms a date may take, for error messages.
pub const DATE_FORMS: &str =
    "write a date as 2025-03-01, a month as \"2025-03\", a year as \"2025\"";

/// A date field's value: a TOML date or date-time, or a string giving a year, a month or
/// a day.
pub fn parse_date(value: &toml::Value) -> Result<PageDate, String> {
    match value {
        toml::Value::Datetime(datetime) => page_date(datetime),
        toml::Value::String(text) => {
            partial_date(text.trim()).ok_or_else(|| format!("`{text}` is not a date: {DATE_FORMS}"))
        }
        other => Err(unquoted(&other.to_string())),
    }
}

/// The message for `written`, a date value written without quotes that TOML does not
/// take as a date: a year or a month needs its quotes.
pub fn unquoted(written: &str) -> String {
    if partial_date(written).is_some() {
        format!("`{written}` needs quotes: {DATE_FORMS}")
    } else {
        format!("`{written}` is not a date: {DATE_FORMS}")
    }
}

/// `2017`, `2021-11` or `2018-05-15` as text.
fn partial_date(text: &str) -> Option<PageDate> {
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split('-').collect();
    let number = |part: &str| part.parse::<i16>().ok();
    let (year, month, day, precision) = match parts.as_slice() {
        [y] if digits(y, 4) => (number(y)?, 1, 1, Precision::Year),
        [y, m] if digits(y, 4) && digits(m, 2) => (number(y)?, number(m)?, 1, Precision::Month),
        [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
            (number(y)?, number(m)?, number(d)?, Precision::Day)
        }
        _ => return None,
    };
    let day =
        jiff::civil::Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    Some(PageDate::starting(day, precision))
}

/// A TOML date or date-time as a [`PageDate`]. A date-time without offset is UTC.
pub fn page_date(value: &Datetime) -> Result<PageDate, String> {
    let Some(date) = value.date else {
        return Err(format!("`{value}` is a time without a date: {DATE_FORMS}"));
    };
    let day = jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
        .map_err(|_| format!("`{value}` is not a date: {DATE_FORMS}"))?;
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
    Ok(PageDate {
        at,
        day,
        precision: Precision::Day,
    })
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
    fn years_and_months_are_kept_at_their_precision() {
        let year = parse_date(&toml::Value::String("2017".into())).unwrap();
        assert_eq!(
            (year.iso(), year.precision),
            ("2017".to_owned(), Precision::Year)
        );
        assert_eq!(year.at.to_string(), "2017-01-01T00:00:00Z");
        let month = parse_date(&toml::Value::String("2021-11".into())).unwrap();
        assert_eq!(
            (month.iso(), month.precision),
            ("2021-11".to_owned(), Precision::Month)
        );
        assert_eq!(month.at.to_string(), "2021-11-01T00:00:00Z");
        let day = parse_date(&toml::Value::String("2016-03-18".into())).unwrap();
        assert_eq!(
            (day.iso(), day.precision),
            ("2016-03-18".to_owned(), Precision::Day)
        );
        assert!(year < month && month.at > day.at);
    }

    #[test]
    fn bad_partial_dates_list_the_accepted_forms() {
        for bad in [
            "2021-13",
            "Nov 2021",
            "21-11",
            "2021-1",
            "2021-02-30",
            "",
            "2021-11-",
        ] {
            let error = parse_date(&toml::Value::String(bad.into())).unwrap_err();
            assert!(error.contains(DATE_FORMS), "{bad}: {error}");
        }
        let error = parse_date(&toml::Value::Integer(2017)).unwrap_err();
        assert_eq!(error, format!("`2017` needs quotes: {DATE_FORMS}"));
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
