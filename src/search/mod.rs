//! Full-text search over a [`Site`]: one in-memory tantivy index per language, built with
//! the site and swapped with it. A page is found in the language its visitor reads (its
//! translation, or the original where there is none); drafts and scheduled pages never.
//! Titles weigh more than descriptions, descriptions more than bodies; each word of the
//! query must match, exactly or within one letter. Queries are words, never query syntax:
//! any input is safe. Knows nothing of HTTP or templates.

mod analyzer;

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, TantivyDocument, Term};

use crate::content::Site;

/// Longest query searched, in characters; a longer one is cut, and the page says so.
pub const MAX_QUERY_CHARS: usize = 200;
/// Results per page.
pub const PER_PAGE: usize = 10;

/// A page as search shows it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// URL path for the visitor's language.
    pub path: String,
    pub title: String,
    pub description: String,
    /// The language the page is written in (the original's, for an untranslated page).
    pub lang: String,
    /// The page's visible text, shared with the page (and the other languages' entries).
    text: Arc<str>,
}

/// One result: the page and a snippet of its text with the matched words in `<mark>`
/// (HTML, escaped by tantivy), or none when the words matched only its title or
/// description.
#[derive(Clone, Debug)]
pub struct Hit {
    pub entry: Entry,
    pub snippet_html: Option<String>,
}

/// A page of results.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// The query as searched (cut to [`MAX_QUERY_CHARS`]).
    pub query: String,
    /// The query was longer and was cut.
    pub shortened: bool,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub hits: Vec<Hit>,
}

impl Results {
    /// How many results come before this page (saturating: a visitor may type any page).
    pub fn offset(&self) -> usize {
        self.page.saturating_sub(1).saturating_mul(PER_PAGE)
    }
}

/// The index of one language.
struct LanguageIndex {
    reader: IndexReader,
    fields: Fields,
    entries: Vec<Entry>,
}

#[derive(Clone, Copy)]
struct Fields {
    entry: Field,
    title: Field,
    description: Field,
    body: Field,
}

/// Every language's index.
pub struct SearchIndex {
    languages: HashMap<String, LanguageIndex>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("languages", &self.languages.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl SearchIndex {
    /// Indexes every published page of `site` in every language.
    pub fn build(site: &Site) -> tantivy::Result<SearchIndex> {
        let mut languages = HashMap::new();
        for language in &site.languages {
            let entries = entries(site, &language.code);
            languages.insert(
                language.code.clone(),
                LanguageIndex::build(&language.code, entries)?,
            );
        }
        Ok(SearchIndex { languages })
    }

    /// Page `page` (from 1) of the results for `query` in `lang`.
    pub fn search(&self, lang: &str, query: &str, page: usize) -> Results {
        let (query, shortened) = cap(query);
        let mut results = Results {
            query: query.clone(),
            shortened,
            page: page.max(1),
            ..Results::default()
        };
        if let Some(index) = self.languages.get(lang) {
            // A search that fails inside tantivy finds nothing rather than failing the page.
            let _ = index.search(lang, &query, &mut results);
        }
        results
    }
}

/// The published pages of `site` as a visitor reading `lang` sees them.
fn entries(site: &Site, lang: &str) -> Vec<Entry> {
    site.originals()
        .filter(|original| !original.is_hidden())
        .filter_map(|original| {
            let (page, _) = site.localized(&original.key, lang)?;
            Some(Entry {
                path: site.url(&original.key, lang)?,
                title: page.title.clone(),
                description: page.description.clone(),
                lang: page.lang.clone(),
                text: page.text.clone(),
            })
        })
        .collect()
}

/// `query` trimmed and cut to [`MAX_QUERY_CHARS`] characters.
fn cap(query: &str) -> (String, bool) {
    let query = query.trim();
    match query.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => (query[..cut].to_owned(), true),
        None => (query.to_owned(), false),
    }
}

impl LanguageIndex {
    fn build(lang: &str, entries: Vec<Entry>) -> tantivy::Result<LanguageIndex> {
        let analyzer = analyzer::name(lang);
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(&analyzer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let mut schema = Schema::builder();
        let fields = Fields {
            entry: schema.add_u64_field("entry", NumericOptions::default().set_stored()),
            title: schema.add_text_field("title", text.clone()),
            description: schema.add_text_field("description", text.clone()),
            body: schema.add_text_field("body", text),
        };
        let index = Index::create_in_ram(schema.build());
        index
            .tokenizers()
            .register(&analyzer, analyzer::for_language(lang));
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        for (n, entry) in entries.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.entry, n as u64);
            doc.add_text(fields.title, &entry.title);
            doc.add_text(fields.description, &entry.description);
            doc.add_text(fields.body, &entry.text);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(LanguageIndex {
            reader,
            fields,
            entries,
        })
    }

    fn search(&self, lang: &str, query: &str, results: &mut Results) -> tantivy::Result<()> {
        let terms = analyzer::terms(query, lang);
        if terms.is_empty() {
            return Ok(());
        }
        let query = self.query(&terms);
        let searcher = self.reader.searcher();
        // A page past the last (any number a visitor types) finds nothing; no offset
        // beyond the index reaches tantivy, which makes room for offset + limit hits.
        let offset = results
            .offset()
            .min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        let (total, top) = searcher.search(
            &query,
            &(
                Count,
                TopDocs::with_limit(PER_PAGE)
                    .and_offset(offset)
                    .order_by_score(),
            ),
        )?;
        results.total = total;
        results.pages = total.div_ceil(PER_PAGE);
        let mut snippets = SnippetGenerator::create(&searcher, &query, self.fields.body)?;
        snippets.set_max_num_chars(200);
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let Some(entry) = doc
                .get_first(self.fields.entry)
                .and_then(|v| v.as_u64())
                .and_then(|n| self.entries.get(n as usize))
            else {
                continue;
            };
            let mut snippet = snippets.snippet(&entry.text);
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            let snippet_html = (!snippet.is_empty()).then(|| snippet.to_html());
            results.hits.push(Hit {
                entry: entry.clone(),
                snippet_html,
            });
        }
        Ok(())
    }

    /// Every term must match in the title (weighed 3), the description (2) or the body
    /// (1); a term of five letters or more also matches within one edit, weighed less.
    fn query(&self, terms: &[String]) -> BooleanQuery {
        let fields = [
            (self.fields.title, 3.0),
            (self.fields.description, 2.0),
            (self.fields.body, 1.0),
        ];
        let per_term = terms
            .iter()
            .map(|word| {
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (field, weight) in fields {
                    let term = Term::from_field_text(field, word);
                    alternatives.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                            weight,
                        )),
                    ));
                    if word.chars().count() >= 5 {
                        alternatives.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(FuzzyTermQuery::new(term, 1, true)),
                                weight * 0.5,
                            )),
                        ));
                    }
                }
                (
                    Occur::Must,
                    Box::new(BooleanQuery::new(alternatives)) as Box<dyn Query>,
                )
            })
            .collect();
        BooleanQuery::new(per_term)
    }
}
