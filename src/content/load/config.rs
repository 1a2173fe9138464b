//! Loading stage 1: `site.toml` and the interface text of each language in
//! `i18n/<lang>.toml`.

use foldhash::{HashMap, HashMapExt};

use super::Loader;
use crate::config::SiteConfig;
use crate::content::file_name::is_language_code;
use crate::content::front_matter;
use crate::content::i18n::UiStrings;
use crate::content::page::Language;
use crate::content::source::SourceFile;
use crate::content::suggest;
use crate::diagnostic::{Diagnostic, Severity};

impl Loader<'_> {
    pub(super) fn parse_config(&mut self, file: &SourceFile) -> Option<SiteConfig> {
        let text = self.text_of(file)?;
        self.config_text = text.to_owned();
        let config: SiteConfig = match front_matter::parse_toml(&file.path, text, text, 0) {
            Ok(config) => config,
            Err(d) => {
                self.diagnostics.push(d);
                return None;
            }
        };
        let default = &config.default_language;
        if !config.languages.contains_key(default.get_ref()) {
            self.diagnostics.push(Diagnostic::error(
                &file.path,
                text,
                default.span().start,
                format!(
                    "the default language `{}` is not among [languages]",
                    default.get_ref()
                ),
            ));
            return None;
        }
        if let Err(problem) = crate::config::values::base_url(config.base_url.get_ref()) {
            self.diagnostics.push(Diagnostic::error(
                &file.path,
                text,
                config.base_url.span().start,
                format!("`base_url` is the site's public address: {problem}"),
            ));
        }
        let mut codes_ok = true;
        for code in config.languages.keys() {
            if !is_language_code(code) {
                codes_ok = false;
                let offset = text.find(&format!("[languages.{code}]")).unwrap_or(0);
                self.diagnostics.push(Diagnostic::error(
                    &file.path,
                    text,
                    offset,
                    format!("`{code}` is not a BCP 47 language tag: use a code such as `en`, `tr` or `sr-Latn`"),
                ));
            }
        }
        // Pages named for a bad code would each be reported again: stop here.
        codes_ok.then_some(config)
    }

    /// The interface text of every language. The default language's file must be
    /// complete; another language's missing strings fall back to it (a warning each), and
    /// a key the default language does not have is an error. Files for languages that
    /// site.toml does not list are checked too, ready to be switched on.
    pub(super) fn parse_ui(
        &mut self,
        config: &SiteConfig,
        languages: &[Language],
        files: Vec<(String, SourceFile)>,
    ) -> HashMap<String, UiStrings> {
        let default = &languages[0].code;
        let mut ui = HashMap::new();
        let (defaults, others): (Vec<_>, Vec<_>) =
            files.into_iter().partition(|(lang, _)| lang == default);
        let mut base = None;
        for (lang, file) in defaults {
            let Some(text) = self.text_of(&file) else {
                continue;
            };
            let parsed = front_matter::parse_toml::<UiStrings>(&file.path, text, text, 0).and_then(
                |strings| {
                    front_matter::parse_toml::<toml::Table>(&file.path, text, text, 0)
                        .map(|table| (strings, table))
                },
            );
            match parsed {
                Ok((strings, table)) => {
                    ui.insert(lang, strings);
                    base = Some(table);
                }
                Err(d) => self.diagnostics.push(d),
            }
        }
        for (lang, file) in others {
            let Some(text) = self.text_of(&file) else {
                continue;
            };
            let table = match front_matter::parse_toml::<toml::Table>(&file.path, text, text, 0) {
                Ok(table) => table,
                Err(d) => {
                    self.diagnostics.push(d);
                    continue;
                }
            };
            let Some(base) = &base else { continue };
            let switched_on = config.languages.contains_key(&lang);
            if let Some(strings) =
                self.complete_ui(&file.path, text, table, (default, base), switched_on)
                && switched_on
            {
                ui.insert(lang, strings);
            }
        }
        for language in languages {
            let file = format!("i18n/{}.toml", language.code);
            if !ui.contains_key(&language.code) && !self.diagnostics.iter().any(|d| d.file == file)
            {
                self.diagnostics.push(Diagnostic::file_error(
                    &file,
                    format!(
                        "the language `{}` has no interface text: add {file} (copy i18n/{default}.toml and translate every value)",
                        language.code
                    ),
                ));
            }
        }
        ui
    }

    /// One language's strings, completed from the default language's `base`: unknown
    /// keys are errors; missing ones warnings (when the language is switched on), and so
    /// is a file more than half of whose strings are the default language's, untranslated.
    fn complete_ui(
        &mut self,
        path: &str,
        text: &str,
        mut table: toml::Table,
        (default, base): (&str, &toml::Table),
        switched_on: bool,
    ) -> Option<UiStrings> {
        let meant = self.unknown_ui_keys(path, text, &table, base);
        let same = table
            .iter()
            .filter(|(k, v)| base.get(*k) == Some(v))
            .count();
        if same * 2 > table.len() {
            self.diagnostics.push(Diagnostic::file_warning(
                path,
                format!(
                    "{same} of its {} strings are the same as in i18n/{default}.toml: translate them, or visitors read them untranslated",
                    table.len()
                ),
            ));
        }
        for (key, value) in base {
            if !table.contains_key(key) {
                // A key written wrong is reported once, as unknown.
                if switched_on && !meant.as_ref().is_some_and(|m| m.contains(key)) {
                    self.diagnostics.push(Diagnostic::at(
                        Severity::Warning,
                        path,
                        text,
                        0,
                        format!(
                            "`{key}` is missing: visitors see the default language's text until it is translated"
                        ),
                    ));
                }
                table.insert(key.clone(), value.clone());
            }
        }
        match toml::Value::Table(table).try_into::<UiStrings>() {
            Ok(strings) if meant.is_none() => Some(strings),
            Ok(_) => None,
            Err(error) => {
                if meant.is_none() {
                    self.diagnostics
                        .push(Diagnostic::file_error(path, error.message().trim()));
                }
                None
            }
        }
    }

    /// An error for each key of `table` that `base` does not have, with the nearest key
    /// that it has; `None` when there is no such key, else the keys they were meant for.
    fn unknown_ui_keys(
        &mut self,
        path: &str,
        text: &str,
        table: &toml::Table,
        base: &toml::Table,
    ) -> Option<Vec<String>> {
        let mut meant = Vec::new();
        let mut failed = false;
        for key in table.keys().filter(|key| !base.contains_key(*key)) {
            failed = true;
            let nearest = suggest::nearest(key, base.keys().map(String::as_str));
            self.diagnostics.push(Diagnostic::error(
                path,
                text,
                key_offset(text, key),
                format!(
                    "unknown key `{key}`: the interface text has no such string{}",
                    nearest.map_or_else(String::new, |n| format!(": did you mean `{n}`?"))
                ),
            ));
            meant.extend(nearest.map(str::to_owned));
        }
        failed.then_some(meant)
    }
}

/// Where `key = ...` starts in a TOML text (0 when it cannot be found).
fn key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    0
}

/// The languages of `config`, the default first.
pub(super) fn languages(config: &SiteConfig) -> Vec<Language> {
    let default = config.default_language.get_ref();
    let mut languages: Vec<Language> = config
        .languages
        .iter()
        .map(|(code, l)| Language {
            code: code.clone(),
            name: l.name.clone(),
        })
        .collect();
    languages.sort_by_key(|l| (l.code != *default, l.code.clone()));
    languages
}
