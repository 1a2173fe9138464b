//! The problems found in one page file's front matter while stage 2 parses it and checks
//! its section table: each placed in the file, errors or (on a draft, for fields still
//! empty) warnings, with the wording shared by every field.

use toml::Spanned;

use crate::content::date::{PageDate, parse_date};
use crate::content::front_matter::Table;
use crate::content::urls;
use crate::diagnostic::{Diagnostic, Severity};

/// The problems found in one file's front matter, placed in the file.
pub(super) struct Problems<'t> {
    pub(super) file: &'t str,
    pub(super) text: &'t str,
    pub(super) front_offset: usize,
    pub(super) list: Vec<Diagnostic>,
    /// The page is a draft: a field it leaves empty is a warning, not yet an error.
    pub(super) draft: bool,
}

impl Problems<'_> {
    /// An error at byte `offset` of the front matter.
    pub(super) fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.at(Severity::Error, self.front_offset + offset, message);
    }

    pub(super) fn at(
        &mut self,
        severity: Severity,
        file_offset: usize,
        message: impl Into<String>,
    ) {
        self.list.push(Diagnostic::at(
            severity,
            self.file,
            self.text,
            file_offset,
            message,
        ));
    }

    pub(super) fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// A required, non-empty text field, trimmed (empty, with an error, when it is not).
    pub(super) fn required_text(&mut self, field: &Option<Spanned<String>>, name: &str) -> String {
        match field {
            Some(value) if !value.get_ref().trim().is_empty() => value.get_ref().trim().to_owned(),
            Some(value) => {
                self.unfinished(value.span().start, format!("`{name}` is empty"));
                String::new()
            }
            None => {
                self.error(0, format!("missing `{name}`: every page needs one"));
                String::new()
            }
        }
    }

    /// A field left empty: an error, or on a draft a warning that says it must be filled
    /// in before the page is published.
    pub(super) fn unfinished(&mut self, offset: usize, message: String) {
        if self.draft {
            self.at(
                Severity::Warning,
                self.front_offset + offset,
                format!("{message}: fill it in before you publish this draft"),
            );
        } else {
            self.error(offset, message);
        }
    }

    /// What to say of `table`, found at byte `span` of the front matter on a page where
    /// it does not belong, and where: `theme = [...]`, written as a key, is a typo for
    /// `themes`.
    pub(super) fn misplaced_table(&self, table: Table, span: usize) -> (usize, String) {
        let front = &self.text[self.front_offset..];
        let header = front
            .get(span..)
            .is_some_and(|rest| rest.starts_with(&format!("[{}]", table.name())));
        let line_start = front
            .get(..span)
            .and_then(|before| before.rfind('\n'))
            .map_or(0, |i| i + 1);
        match table.list_field() {
            Some(list) if !header => (
                line_start,
                format!(
                    "`{}` is the [{}] table of {}: did you mean `{list}`?",
                    table.name(),
                    table.name(),
                    table.place()
                ),
            ),
            _ => (
                span,
                format!("`[{}]` belongs only in {}", table.name(), table.place()),
            ),
        }
    }

    /// A date field, or an error at it.
    pub(super) fn date(&mut self, field: &Option<Spanned<toml::Value>>) -> Option<PageDate> {
        let field = field.as_ref()?;
        parse_date(field.get_ref())
            .map_err(|message| self.error(field.span().start, message))
            .ok()
    }

    /// An error at `url` unless it is an `https://` or `http://` address; `what` names
    /// the field ("a source's url").
    pub(super) fn web_address(&mut self, url: &Spanned<String>, what: &str) {
        if !urls::is_web_address(url.get_ref()) {
            self.error(
                url.span().start,
                format!(
                    "`{}` is not a web address: {what} starts with https:// (or http://)",
                    url.get_ref()
                ),
            );
        }
    }

    /// Errors for required texts of `table` left empty, at the table.
    pub(super) fn empty_fields(&mut self, table: Table, at: usize, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            if value.trim().is_empty() {
                self.unfinished(at, format!("`{name}` in [{}] is empty", table.name()));
            }
        }
    }
}
