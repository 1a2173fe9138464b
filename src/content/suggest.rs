//! "Did you mean": the known name nearest to a mistyped one (a key, a table, a slug, a
//! page), by edit distance, and the list of the known names when it is short enough to
//! read in a message. Knows nothing of pages or files.

/// Lists longer than this are left out of messages.
const SHORT_LIST: usize = 12;

/// The name in `known` nearest to `typed`, if one is near enough to be a typo: one edit
/// per five letters, one or two (a swap of two letters counting one).
pub(crate) fn nearest<'k>(
    typed: &str,
    known: impl IntoIterator<Item = &'k str>,
) -> Option<&'k str> {
    let limit = (typed.chars().count() / 5).clamp(1, 2);
    known
        .into_iter()
        .filter(|name| *name != typed)
        .map(|name| (strsim::osa_distance(typed, name), name))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// `: did you mean `x`?` when a known name is near `typed`, else nothing; `wrap` puts
/// brackets or a prefix around the name (`[office]`, `@/about.md`).
pub(crate) fn did_you_mean<'k>(
    typed: &str,
    known: impl IntoIterator<Item = &'k str>,
    wrap: impl Fn(&str) -> String,
) -> String {
    nearest(typed, known).map_or_else(String::new, |name| {
        format!(": did you mean `{}`?", wrap(name))
    })
}

/// `a, b, c` when there are few enough to read, else `None`.
pub(crate) fn short_list<'k>(
    known: impl IntoIterator<Item = &'k str>,
    wrap: impl Fn(&str) -> String,
) -> Option<String> {
    let names: Vec<String> = known.into_iter().map(wrap).collect();
    (!names.is_empty() && names.len() <= SHORT_LIST).then(|| names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_finds_its_name_and_a_stranger_finds_none() {
        let known = ["title", "description", "themes", "countries"];
        assert_eq!(nearest("descripton", known), Some("description"));
        assert_eq!(nearest("theme", known), Some("themes"));
        assert_eq!(nearest("retrun", ["return", "diaspora"]), Some("return"));
        assert_eq!(nearest("colour", known), None);
        assert_eq!(nearest("/offices/gamma/", ["/offices/alpha/"]), None);
        assert_eq!(
            nearest("/ofices/alpha/", ["/offices/alpha/"]),
            Some("/offices/alpha/")
        );
        assert_eq!(
            did_you_mean("ofice", ["office", "home"], |n| format!("[{n}]")),
            ": did you mean `[office]`?"
        );
        assert_eq!(
            short_list(["a", "b"], str::to_owned).as_deref(),
            Some("a, b")
        );
    }
}
