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
    /// The text of the offending line, for a caret under the spot.
    pub source_line: Option<String>,
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
        let source_line = text.lines().nth(line - 1).map(str::to_owned);
        Diagnostic {
            file: file.to_owned(),
            line,
            column,
            severity,
            message: message.into(),
            source_line,
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
                .take(d.column.saturating_sub(1))
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
    fn line_and_column_count_characters_from_one() {
        let text = "ab\nçd\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 5), (2, 2));
        assert_eq!(line_col(text, 4), (2, 1)); // inside 'ç'
        assert_eq!(line_col(text, 99), (3, 1));
    }
}
