//! Text by the rules of its language: lower and upper case (Turkish and Azerbaijani dot
//! their i: `İ` ↔ `i`, `I` ↔ `ı`), ASCII folding for slugs (`Iğdır` → `igdir`), and
//! sort keys that follow each alphabet (Turkish `ç` after `c`, `ı` before `i`), and the
//! `{name}` placeholders of interface strings. Pure functions on strings; knows nothing of
//! pages.

/// `pattern` with each `{name}` of `values` replaced by its value, in one pass: a value is
/// never searched for placeholders itself (a search for `{count}` stays as typed), and a
/// `{…}` not named in `values` stays as it is.
pub fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(pattern.len() + values.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let named = after.find('}').and_then(|close| {
            let name = &after[..close];
            let (_, value) = values.iter().find(|(n, _)| *n == name)?;
            Some((value, close))
        });
        match named {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Languages whose dotted and dotless i are two letters.
fn dots_its_i(lang: &str) -> bool {
    matches!(lang, "tr" | "az")
}

/// `text` in lower case by the rules of `lang`: Turkish `İSTANBUL` → `istanbul`,
/// `IĞDIR` → `ığdır`.
pub fn lowercase(text: &str, lang: &str) -> String {
    change_case(text, lang, [('I', 'ı'), ('İ', 'i')], |c, out| {
        out.extend(c.to_lowercase())
    })
}

/// `text` in upper case by the rules of `lang`: Turkish `istanbul` → `İSTANBUL`,
/// `ığdır` → `IĞDIR`.
pub fn uppercase(text: &str, lang: &str) -> String {
    change_case(text, lang, [('i', 'İ'), ('ı', 'I')], |c, out| {
        out.extend(c.to_uppercase())
    })
}

/// `text` with each letter changed by `change`, except that in a language that dots its
/// i the two i's change as `dotted` says.
fn change_case(
    text: &str,
    lang: &str,
    dotted: [(char, char); 2],
    change: fn(char, &mut String),
) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match dotted.iter().find(|(from, _)| *from == c) {
            Some((_, to)) if dots_its_i(lang) => out.push(*to),
            _ => change(c, &mut out),
        }
    }
    out
}

/// The ASCII letter a lower-case Latin letter with a mark is written as in a slug.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ğ' | 'ĝ' | 'ġ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ı' | 'ī' | 'į' => "i",
        'ľ' | 'ł' | 'ĺ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'ř' | 'ŕ' => "r",
        'ś' | 'ş' | 'š' | 'ș' => "s",
        'ţ' | 'ť' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

/// A URL slug of `text` in `lang`: lower case by the language's rules, Latin letters
/// folded to ASCII, each run of spaces, `-`, `_` and `/` one `-`, other characters dropped.
/// Other scripts (Cyrillic) keep their letters. `İstanbul'daki ofis` → `istanbuldaki-ofis`.
pub fn slugify(text: &str, lang: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in lowercase(text, lang).chars() {
        if c.is_alphanumeric() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            match fold(c) {
                Some(ascii) => slug.push_str(ascii),
                None => slug.push(c),
            }
        } else if c.is_whitespace() || matches!(c, '-' | '_' | '/') {
            pending_dash = true;
        }
    }
    slug
}

/// `word` with its Latin letters' marks folded away (`priština` → `pristina`); lower
/// case is left as it is.
pub fn fold_marks(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match fold(c) {
            Some(ascii) => out.push_str(ascii),
            None if is_mark(c) => {}
            None => out.push(c),
        }
    }
    out
}

/// A combining mark (the dot of a decomposed `i̇`): part of the letter before it.
fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// Each language's letters in alphabetical order, where it differs from plain A to Z.
fn alphabet(lang: &str) -> &'static str {
    match lang {
        "tr" | "az" => "abcçdefgğhıijklmnoöprsştuüvyz",
        "sr" | "bs" | "hr" => "abcčćdđefghijklmnoprsštuvzž",
        "sq" => "abcçdeëfghijklmnopqrstuvxyz",
        "mk" => "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
        _ => "abcdefghijklmnopqrstuvwxyz",
    }
}

/// What [`sort_key`] gives: compare these, not the strings.
pub type SortKey = Vec<(u32, u32)>;

/// A key that sorts titles of `lang` in its alphabetical order, ignoring case: compare
/// keys, not strings. Letters outside the alphabet sort by their ASCII folding, after it
/// (`é` just after `e`), digits before letters, other characters first.
pub fn sort_key(text: &str, lang: &str) -> SortKey {
    let letters = alphabet(lang);
    // Where each ASCII letter stands, looked up rather than searched for.
    let mut ascii = [None; 128];
    for (p, l) in (0u32..).zip(letters.chars()).filter(|(_, l)| l.is_ascii()) {
        ascii[l as usize].get_or_insert(p);
    }
    let position = |c: char| match ascii.get(c as usize) {
        Some(p) => *p,
        None => letters.chars().position(|l| l == c).map(|p| p as u32),
    };
    lowercase(text, lang)
        .chars()
        .filter(|c| !is_mark(*c))
        .map(|c| {
            if let Some(p) = position(c) {
                (1_000 + p * 10, 0)
            } else if let Some(p) = fold(c).and_then(|f| f.chars().next()).and_then(position) {
                (1_000 + p * 10, c as u32)
            } else if c.is_ascii_digit() {
                (100 + c as u32, 0)
            } else if c.is_alphabetic() {
                (10_000 + c as u32, 0)
            } else {
                (0, c as u32)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_named_placeholders_once_and_leaves_the_rest() {
        let values = [("count", "3"), ("query", "{count} and {x}")];
        assert_eq!(
            fill("{count} results for “{query}”", &values),
            "3 results for “{count} and {x}”"
        );
        assert_eq!(
            fill(
                "{day}. {month} {year}.",
                &[("day", "5"), ("month", "mart"), ("year", "2024")]
            ),
            "5. mart 2024."
        );
        assert_eq!(fill("a {b} {c", &[("c", "x")]), "a {b} {c");
        assert_eq!(
            fill("{page}/{pages}", &[("page", "1"), ("pages", "2")]),
            "1/2"
        );
        assert_eq!(fill("", &[]), "");
    }

    #[test]
    fn turkish_dots_its_i_in_both_directions() {
        // (text, language, lower case, upper case)
        let cases = [
            ("İSTANBUL", "tr", "istanbul", "İSTANBUL"),
            ("IĞDIR", "tr", "ığdır", "IĞDIR"),
            ("ığdır", "tr", "ığdır", "IĞDIR"),
            ("istanbul", "tr", "istanbul", "İSTANBUL"),
            ("IGDIR", "en", "igdir", "IGDIR"),
            ("istanbul", "en", "istanbul", "ISTANBUL"),
        ];
        for (text, lang, lower, upper) in cases {
            assert_eq!(lowercase(text, lang), lower, "{text} in {lang}");
            assert_eq!(uppercase(text, lang), upper, "{text} in {lang}");
        }
    }

    #[test]
    fn slugs_fold_to_ascii_by_the_language_rules() {
        let cases = [
            ("İstanbul", "tr", "istanbul"),
            ("Iğdır", "tr", "igdir"),
            ("İstanbul", "en", "istanbul"),
            ("Türkiye'deki göç", "tr", "turkiyedeki-goc"),
            ("Šabac i Niš", "sr", "sabac-i-nis"),
            ("Скопје", "mk", "скопје"),
            ("  --  ", "en", ""),
        ];
        for (title, lang, slug) in cases {
            assert_eq!(slugify(title, lang), slug, "{title} in {lang}");
        }
    }

    fn sorted(words: &[&str], lang: &str) -> Vec<String> {
        let mut words: Vec<String> = words.iter().map(|w| (*w).to_owned()).collect();
        words.sort_by_key(|w| sort_key(w, lang));
        words
    }

    #[test]
    fn turkish_titles_sort_in_the_turkish_alphabet() {
        assert_eq!(
            sorted(
                &[
                    "Üsküp", "Ulus", "Şile", "Sinop", "Ödemiş", "Ordu", "İzmir", "Iğdır", "Ğ",
                    "Gebze", "Çorum", "Cide"
                ],
                "tr"
            ),
            [
                "Cide", "Çorum", "Gebze", "Ğ", "Iğdır", "İzmir", "Ordu", "Ödemiş", "Sinop", "Şile",
                "Ulus", "Üsküp"
            ]
        );
        // English ignores the marks and the case.
        assert_eq!(
            sorted(&["Zagreb", "Çorum", "cide", "Ankara"], "en"),
            ["Ankara", "cide", "Çorum", "Zagreb"]
        );
    }
}
