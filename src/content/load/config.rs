//! Loading stage 1: `site.toml` and the interface text of each language in
//! `i18n/<lang>.toml`.

use std::collections::HashMap;

use super::Loader;
use crate::config::SiteConfig;
use crate::content::file_name::is_language_code;
use crate::content::front_matter;
use crate::content::i18n::UiStrings;
use crate::content::page::Language;
use crate::content::source::SourceFile;
use crate::diagnostic::Diagnostic;

impl Loader<'_> {
    pub(super) fn parse_config(&mut self, file: &SourceFile) -> Option<SiteConfig> {
        let text = self.text_of(file)?;
        self.config_text = text.clone();
        let config: SiteConfig = match front_matter::parse_toml(&file.path, &text, &text, 0) {
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
                &text,
                default.span().start,
                format!(
                    "the default language `{}` is not among [languages]",
                    default.get_ref()
                ),
            ));
            return None;
        }
        for code in config.languages.keys() {
            if !is_language_code(code) {
                self.diagnostics.push(Diagnostic::file_error(
                    &file.path,
                    format!("`{code}` is not a language code: use two or three lower-case letters such as `en` or `tr`"),
                ));
            }
        }
        Some(config)
    }

    pub(super) fn parse_ui(
        &mut self,
        config: &SiteConfig,
        languages: &[Language],
        files: Vec<(String, SourceFile)>,
    ) -> HashMap<String, UiStrings> {
        let mut ui = HashMap::new();
        for (lang, file) in files {
            if !config.languages.contains_key(&lang) {
                self.diagnostics.push(Diagnostic::file_warning(
                    &file.path,
                    format!("`{lang}` is not a language in site.toml, so this file is not used"),
                ));
                continue;
            }
            let Some(text) = self.text_of(&file) else {
                continue;
            };
            match front_matter::parse_toml::<UiStrings>(&file.path, &text, &text, 0) {
                Ok(strings) => {
                    ui.insert(lang, strings);
                }
                Err(d) => self.diagnostics.push(d),
            }
        }
        for language in languages {
            let file = format!("i18n/{}.toml", language.code);
            if !ui.contains_key(&language.code) && !self.diagnostics.iter().any(|d| d.file == file)
            {
                self.diagnostics.push(Diagnostic::file_error(
                    &file,
                    format!(
                        "the language `{}` has no interface text: add {file}",
                        language.code
                    ),
                ));
            }
        }
        ui
    }
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
