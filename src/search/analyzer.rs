//! How text becomes search terms in each language: words split at anything that is not a
//! letter or digit, lower-cased by the language's rules (Turkish `İ` → `i`, `I` → `ı`),
//! stemmed where tantivy has a stemmer for the language (`returning` → `return`), then
//! folded to ASCII (`Türkiye` → `turkiye`), so a query without marks finds words with them.

use tantivy::tokenizer::{
    Language, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer, Token, TokenFilter,
    TokenStream, Tokenizer,
};

use crate::text;

/// The analyzer for text written in `lang`.
pub fn for_language(lang: &str) -> TextAnalyzer {
    let lower = WordMap {
        lang: lang.to_owned(),
        map: text::lowercase,
    };
    let fold = WordMap {
        lang: lang.to_owned(),
        map: |word, _| text::fold_marks(word),
    };
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(lower);
    match stemmer_language(lang) {
        Some(language) => builder.filter(Stemmer::new(language)).filter(fold).build(),
        None => builder.filter(fold).build(),
    }
}

/// The name this crate registers the analyzer of `lang` under.
pub fn name(lang: &str) -> String {
    format!("wbt_{lang}")
}

fn stemmer_language(lang: &str) -> Option<Language> {
    Some(match lang {
        "en" => Language::English,
        "tr" => Language::Turkish,
        "de" => Language::German,
        "fr" => Language::French,
        _ => return None,
    })
}

/// A token filter that rewrites each word with `map(word, lang)`.
#[derive(Clone)]
struct WordMap {
    lang: String,
    map: fn(&str, &str) -> String,
}

impl TokenFilter for WordMap {
    type Tokenizer<T: Tokenizer> = WordMapFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordMapFilter<T> {
        WordMapFilter {
            tokenizer,
            map: self,
        }
    }
}

#[derive(Clone)]
pub struct WordMapFilter<T> {
    tokenizer: T,
    map: WordMap,
}

impl<T: Tokenizer> Tokenizer for WordMapFilter<T> {
    type TokenStream<'a> = WordMapStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordMapStream {
            tail: self.tokenizer.token_stream(text),
            map: &self.map,
        }
    }
}

pub struct WordMapStream<'a, T> {
    tail: T,
    map: &'a WordMap,
}

impl<T: TokenStream> TokenStream for WordMapStream<'_, T> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        token.text = (self.map.map)(&token.text, &self.map.lang);
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The terms `text` gives in `lang`, in order.
pub fn terms(text: &str, lang: &str) -> Vec<String> {
    let mut analyzer = for_language(lang);
    let mut stream = analyzer.token_stream(text);
    let mut terms = Vec::new();
    while stream.advance() {
        terms.push(stream.token().text.clone());
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str, lang: &str) {
        assert_eq!(terms(a, lang), terms(b, lang), "{a} ~ {b} in {lang}");
    }

    #[test]
    fn marks_case_and_endings_do_not_matter() {
        for (a, b) in [
            ("Türkiye", "turkiye"),
            ("TÜRKIYE", "turkiye"),
            ("Priština", "pristina"),
            ("returning", "return"),
            ("IBM", "ibm"),
        ] {
            same(a, b, "en");
        }
        assert!(terms("Türkiye", "en")[0].is_ascii());
    }

    #[test]
    fn turkish_dots_its_i() {
        // ı folds to i too, so a visitor without a Turkish keyboard still finds it.
        for (a, b) in [
            ("İstanbul", "istanbul"),
            ("IĞDIR", "ığdır"),
            ("sınırlar", "sınır"),
            ("ülkeler", "Ülke"),
            ("Göç", "goc"),
            ("Istanbul", "istanbul"),
        ] {
            same(a, b, "tr");
        }
    }
}
