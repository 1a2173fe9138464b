//! Problems found in a content tree, each pointing at a file, line and column.
//!
//! Loading never stops at the first problem: every stage pushes into one list of
//! [`Diagnostic`]s, and the caller decides at the end what to do with them (refuse to
//! start, print a report, keep the last good site). Rendering a diagnostic for a person
//! happens only at the edge, in [`Diagnostic`]'s `Display` (`path:line:col: error: message`).

use std::fmt;

/// How bad a problem is: errors stop a site from being served, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem at one place in one file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Path relative to the content folder, with `/` separators.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    pub severity: Severity,
    pub message: String,
    /// The offending line, for a caret under the spot: the whole line, or, for a line
    /// over [`EXCERPT_CHARS`] characters, that many around the spot, `…` marking the cuts
    /// (so that a page written on one long line cannot make every report of it huge).
    pub source_line: Option<String>,
    /// How many characters of `source_line` stand before the spot.
    pub caret: usize,
}

/// The longest line a diagnostic shows whole.
pub const EXCERPT_CHARS: usize = 120;

/// The line of `text` around byte `offset` (moved back to a character start), without its
/// line break, and the offset's byte in it; `None` past the last line.
fn line_at(text: &str, offset: usize) -> Option<(&str, usize)> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    if start == text.len() {
        return None;
    }
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[start..end];
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut spot = (offset - start).min(line.len());
    while !line.is_char_boundary(spot) {
        spot -= 1;
    }
    Some((line, spot))
}

/// `line` cut to [`EXCERPT_CHARS`] characters around its byte `spot`, with `…` where it
/// is cut, and how many characters of what is kept stand before the spot. Looks at no
/// more than the characters it keeps, however long the line.
fn excerpt(line: &str, spot: usize) -> (String, usize) {
    let short = line.len() <= 4 * EXCERPT_CHARS && line.chars().count() <= EXCERPT_CHARS;
    if short {
        return (line.to_owned(), line[..spot].chars().count());
    }
    // A third of the window before the spot, so that what follows it (usually what is
    // wrong) shows; more before when the line ends first.
    let before: Vec<usize> = line[..spot]
        .char_indices()
        .rev()
        .map(|(i, _)| i)
        .take(EXCERPT_CHARS)
        .collect();
    let after: Vec<usize> = line[spot..]
        .char_indices()
        .map(|(i, _)| spot + i)
        .take(EXCERPT_CHARS + 1)
        .collect();
    let mut kept_before = before.len().min(EXCERPT_CHARS / 3);
    let kept_after = after.len().min(EXCERPT_CHARS - kept_before);
    if kept_after == after.len() {
        kept_before = before.len().min(EXCERPT_CHARS - kept_after);
    }
    let start = kept_before.checked_sub(1).map_or(spot, |last| before[last]);
    let end = after.get(kept_after).copied().unwrap_or(line.len());
    let mut kept = String::with_capacity(end - start + 6);
    if start > 0 {
        kept.push('…');
    }
    kept.push_str(&line[start..end]);
    if end < line.len() {
        kept.push('…');
    }
    (kept, kept_before + usize::from(start > 0))
}

impl Diagnostic {
    /// A problem at byte `offset` of `text`, the whole content of `file`.
    pub fn at(
        severity: Severity,
        file: &str,
        text: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = line_col(text, offset);
        let (source_line, caret) = match line_at(text, offset) {
            Some((text, spot)) => {
                let (kept, caret) = excerpt(text, spot);
                (Some(kept), caret)
            }
            None => (None, 0),
        };
        Diagnostic {
            file: file.to_owned(),
            line,
            column,
            severity,
            message: message.into(),
            source_line,
            caret,
        }
    }

    /// An error at byte `offset` of `text`, the whole content of `file`.
    pub fn error(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(Severity::Error, file, text, offset, message)
    }

    /// An error about a whole file, reported at its first line.
    pub fn file_error(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: file.to_owned(),
            line: 1,
            column: 1,
            severity: Severity::Error,
            message: message.into(),
            source_line: None,
            caret: 0,
        }
    }

    /// A warning about a whole file, reported at its first line.
    pub fn file_warning(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::file_error(file, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.column, self.severity, self.message
        )
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`. An offset past the
/// end, or inside a character, is clamped to the nearest character start before it.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// A report for a person: each diagnostic, the line it points at with a caret under the
/// spot (as rustc does), and a closing summary line.
pub fn report(diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.to_string());
        out.push('\n');
        if let Some(line) = &d.source_line {
            let number = d.line.to_string();
            let gutter = " ".repeat(number.len());
            let indent: String = line
                .chars()
                .take(d.caret)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{gutter} |\n{number} | {line}\n{gutter} | {indent}^\n"
            ));
        }
    }
    out.push_str(&summary(diagnostics));
    out.push('\n');
    out
}

/// `2 errors, 1 warning` (or `no problems found`).
pub fn summary(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if diagnostics.is_empty() {
        return "no problems found".to_owned();
    }
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Sorts diagnostics by file, then position, so reports read top to bottom.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_is_shown_around_its_spot_with_the_caret_under_it() {
        let line = format!("{}[click here](/x/){}", "é".repeat(3000), "z".repeat(3000));
        let text = format!("+++\n+++\n{line}\n");
        let offset = text.find("[click").unwrap();
        let d = Diagnostic::at(Severity::Warning, "long.md", &text, offset, "vague");
        assert_eq!((d.line, d.column), (3, 3001));
        let shown = d.source_line.as_deref().unwrap();
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 2);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(
            shown
                .chars()
                .skip(d.caret)
                .collect::<String>()
                .starts_with("[click here]")
        );
        let report = report(&[d]);
        let lines: Vec<&str> = report.lines().collect();
        let caret_column = lines[3].chars().position(|c| c == '^').unwrap();
        assert_eq!(lines[2].chars().nth(caret_column), Some('['), "{report}");

        // Short lines are shown whole, the caret at its column.
        let d = Diagnostic::at(Severity::Warning, "a.md", "ab\tcd\n", 3, "x");
        assert_eq!((d.source_line.as_deref(), d.caret), (Some("ab\tcd"), 3));
        // At the end of a long line, the window ends there too.
        let text = "y".repeat(500);
        let d = Diagnostic::at(Severity::Warning, "a.md", &text, 499, "x");
        let shown = d.source_line.unwrap();
        assert!(shown.starts_with('…') && shown.ends_with('y'), "{shown}");
        assert_eq!(shown.chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(d.caret, EXCERPT_CHARS);
    }

    #[test]
    fn line_and_column_count_characters_from_one() {
        let text = "ab\nçd\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 5), (2, 2));
        assert_eq!(line_col(text, 4), (2, 1)); // inside 'ç'
        assert_eq!(line_col(text, 99), (3, 1));
    }
}
