//! TOML and serde errors said in an editor's words, each with its fix: a bad date names
//! the date forms, a `"` inside a text says how to write it, an unknown key or table names
//! the known one nearest to it. Works on the text and the error alone; knows nothing of
//! pages.

use super::date::{self, DATE_FORMS};
use super::front_matter::Table;
use super::suggest;

/// Keys whose values are dates, wherever they appear.
const DATE_KEYS: [&str; 4] = ["date", "updated", "start", "end"];
/// Keys whose value is a number, written without quotes, and an example of each.
const NUMBER_KEYS: [(&str, &str); 4] = [
    ("weight", "10"),
    ("latitude", "41.0082"),
    ("longitude", "28.9784"),
    ("amount", "2500000"),
];
/// Keys whose value is `true` or `false`.
const SWITCH_KEYS: [&str; 3] = ["draft", "main_seat", "about"];

/// The line of `text` around byte `at`: the key written before `=` (empty on a
/// `[table]` line) and the value after it with its offset.
struct Line<'a> {
    text: &'a str,
    key: &'a str,
    value: &'a str,
    value_at: usize,
}

impl<'a> Line<'a> {
    fn around(text: &'a str, at: usize) -> Line<'a> {
        let mut at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = &text[start..end];
        let (key, value, value_at) = match line.split_once('=') {
            Some((key, value)) if !line.trim_start().starts_with('[') => {
                let trimmed = value.trim_start();
                let value_at = start + key.len() + 1 + (value.len() - trimmed.len());
                (key.trim(), trimmed.trim_end(), value_at)
            }
            _ => ("", "", start),
        };
        Line {
            text: line,
            key,
            value,
            value_at,
        }
    }

    fn is_table_header(&self) -> bool {
        self.text.trim_start().starts_with('[')
    }

    /// Offsets in the value of its `"` that are not escaped.
    fn quotes(&self) -> Vec<usize> {
        let mut quotes = Vec::new();
        let mut escaped = false;
        for (i, c) in self.value.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => quotes.push(i),
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
        }
        quotes
    }
}

/// The message for a TOML or serde error `message` whose span starts at byte `at` of
/// `text`, and the byte of `text` where it is best shown.
pub(crate) fn explain(message: &str, text: &str, at: usize) -> (usize, String) {
    let line = Line::around(text, at);
    if let Some(rest) = message.trim().strip_prefix("unknown field `") {
        return (at, unknown_field(rest, &line));
    }
    if DATE_KEYS.contains(&line.key) {
        let message = if line.value.starts_with(['"', '\'']) {
            let value = line.value.trim_matches(['"', '\'']);
            format!("`{value}` is not a date: {DATE_FORMS}")
        } else {
            date::unquoted(line.value)
        };
        return (line.value_at, message);
    }
    let quotes = line.quotes();
    let basic_string = line.value.starts_with('"') && !line.value.starts_with("\"\"\"");
    if basic_string && quotes.len() >= 3 {
        let quoted = line.value.trim_matches('"');
        return (
            line.value_at + quotes[1],
            format!(
                "a `\"` inside a text ends it early: write it as `\\\"`, or put the whole text in single quotes: {} = '{quoted}'",
                line.key
            ),
        );
    }
    if basic_string && quotes.len() == 1 {
        return (
            at,
            "this text has no closing `\"`: end it on the same line (a text of several lines goes between `\"\"\"` and `\"\"\"`)".to_owned(),
        );
    }
    // An unquoted word: TOML says "must be quoted", or, for one that starts like `true`,
    // `false`, `inf` or `nan`, that it is not that.
    let word = line.value.starts_with(|c: char| c.is_alphabetic())
        && !matches!(line.value, "true" | "false" | "inf" | "nan");
    if message.contains("string values must be quoted") || (word && message.contains("invalid")) {
        let key = line.key;
        let advice = if let Some((_, example)) = NUMBER_KEYS.iter().find(|(k, _)| *k == key) {
            format!("`{key}` is a number, written in digits without quotes: {key} = {example}")
        } else if SWITCH_KEYS.contains(&key) {
            format!("`{key}` is `true` or `false`, without quotes: {key} = true")
        } else {
            format!("a text must be in quotes: {key} = \"{}\"", line.value)
        };
        return (line.value_at, advice);
    }
    (at, plain_message(message))
}

/// An unknown key or `[table]`, from serde's `unknown field `x`, expected one of `a`, ...`
/// (given after its first backtick): the nearest known name, or the known names.
fn unknown_field(rest: &str, line: &Line) -> String {
    let typed = rest.split('`').next().unwrap_or_default();
    let known: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
    if line.is_table_header() {
        let mut message = format!(
            "unknown table `[{typed}]`{}",
            suggest::did_you_mean(typed, known.iter().copied(), |n| format!("[{n}]"))
        );
        if Table::ALL.iter().all(|t| known.contains(&t.name())) {
            message.push_str(&format!(
                " (the section tables are {})",
                Table::ALL.map(|t| format!("[{}]", t.name())).join(", ")
            ));
        }
        return message;
    }
    match suggest::nearest(typed, known.iter().copied()) {
        Some(name) => format!("unknown key `{typed}`: did you mean `{name}`?"),
        None => format!(
            "unknown key `{typed}`: the keys here are {}",
            known
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// serde's type names in words an editor knows.
fn plain_message(message: &str) -> String {
    let mut message = message.trim().to_owned();
    for (rust, plain) in [
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a boolean", "expected true or false"),
        (
            "expected a sequence",
            "expected a list such as [\"a\", \"b\"]",
        ),
        ("expected struct ", "expected a table "),
    ] {
        message = message.replace(rust, plain);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unquoted_word_is_told_what_its_key_takes() {
        for (text, toml_says, advice) in [
            (
                "weight = one\n",
                "string values must be quoted",
                "`weight` is a number, written in digits without quotes: weight = 10",
            ),
            (
                "weight = first\n",
                "invalid boolean, expected `false`",
                "`weight` is a number, written in digits without quotes: weight = 10",
            ),
            (
                "draft = yes\n",
                "string values must be quoted",
                "`draft` is `true` or `false`, without quotes: draft = true",
            ),
            (
                "title = Forum\n",
                "string values must be quoted",
                "a text must be in quotes: title = \"Forum\"",
            ),
        ] {
            let at = text.find('=').unwrap() + 2;
            let (shown_at, message) = explain(toml_says, text, at);
            assert_eq!((shown_at, message.as_str()), (at, advice), "{text}");
        }
    }

    #[test]
    fn a_quote_inside_a_text_is_shown_at_the_quote_with_both_fixes() {
        let text = "title = \"The \"Forum\" opens\"\n";
        let (at, message) = explain("unexpected key or value", text, 14);
        assert_eq!(at, 13);
        assert!(message.contains("`\\\"`"), "{message}");
        assert!(
            message.contains("title = 'The \"Forum\" opens'"),
            "{message}"
        );
    }

    #[test]
    fn a_month_without_quotes_is_told_to_take_them() {
        let (_, message) = explain("invalid date", "date = 2025-03\n", 7);
        assert_eq!(message, format!("`2025-03` needs quotes: {DATE_FORMS}"));
    }

    #[test]
    fn every_date_line_gets_the_date_forms() {
        let text = "a = 1\ndate = March 2025\n";
        let (at, message) = explain("string values must be quoted", text, 13);
        assert_eq!(at, 13);
        assert_eq!(message, format!("`March 2025` is not a date: {DATE_FORMS}"));
    }
}
