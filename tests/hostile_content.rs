//! Content as an attacker would contribute it: XSS payloads in Markdown, raw HTML and
//! every front-matter field that reaches a page, in a site written at test time. Every
//! route is rendered and read back with a real HTML parser: no script element but the
//! site's own, no event-handler attribute, no `javascript:`/`data:` URL outside images.

mod common;

use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use scraper::{Html, Selector};
use wbt_site::assets::Assets;
use wbt_site::build::{self, BuildOptions};
use wbt_site::content::source::Source;
use wbt_site::server::{self, ServerOptions};

use common::{copy_fixture, get};

/// Text payloads: each front-matter text field gets every one of them, in turn.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=https://x.test/x.png alt=x onerror=alert(1)>",
    "' onmouseover='alert(1)' x='",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script><!--",
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "{{ 7 * 7 }} {% if true %}x{% endif %}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\u{2028}\u{2029}<!-- <![CDATA[ ]]>",
];

/// URL payloads that are http(s) addresses, with markup inside.
const URL_PAYLOADS: &[&str] = &[
    "https://x.example/\"><script>alert(1)</script>",
    "https://x.example/?a=1&b=<svg onload=alert(1)>",
    "https://x.example/' onmouseover='alert(1)",
];

/// Markdown and raw HTML that try every way in.
const BODY: &str = r##"
<script>alert(1)</script>
<img src=https://x.test/x.png alt=x onerror=alert(1)>
<a href="javascript:alert(1)">raw link</a>
<a href="&#106;avascript:alert(1)">entity link</a>
<a href="jav&#x09;ascript:alert(1)">tab link</a>
<a href=" JaVaScRiPt:alert(1)">case link</a>

[md link](javascript:alert(1)) [md case](JaVaScRiPt:alert(1)) [md angle](<javascript:alert(1)>)
[md data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[md vb](vbscript:msgbox(1))
![md image](javascript:alert(1))
[ref link][r]

[r]: javascript:alert(1)

<iframe src="https://evil.example/"></iframe>
<svg><script>alert(1)</script></svg>
<math><mi xlink:href="javascript:alert(1)">math</mi></math>
<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>
<div style="background:url(javascript:alert(1))" onclick="alert(1)">styled</div>
<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">
<base href="javascript:/">
<meta http-equiv="refresh" content="0;url=javascript:alert(1)">
<details open ontoggle=alert(1)><summary>s</summary></details>
<video><source onerror="alert(1)"></video>
<noscript><p title="</noscript><img src=https://x.test/x.png alt=x onerror=alert(1)>"></noscript>
<style>@import "javascript:alert(1)";</style>
<a href="https://ok.example/" target="_blank" onmouseover="alert(1)">ok link</a>

`<script>alert(1)</script>` in code, and in a block:

```html
<script>alert(1)</script>
```

## Heading <script>alert(1)</script> {#x"onclick="alert(1)}

## Another <img src=https://x.test/x.png alt=x onerror=alert(1)>

### Third heading

A footnote[^1].

[^1]: <script>alert(1)</script> in a footnote.

| a | b |
|---|---|
| <script>alert(1)</script> | <img src=https://x.test/x.png alt=x onerror=alert(1)> |
"##;

fn options_for(dir: &Path) -> BuildOptions {
    BuildOptions {
        source: Source::Dir(dir.to_owned()),
        drafts: false,
        base_url: None,
        live_reload: false,
    }
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn write(dir: &Path, path: &str, text: String) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The `site` fixture with one page per payload in every section, each text field set
/// to the payload, and the hostile Markdown as body.
fn hostile_site() -> tempfile::TempDir {
    let dir = copy_fixture("site");
    let d = dir.path();
    let figures: String = PAYLOADS
        .iter()
        .map(|p| {
            let p = quoted(p);
            format!("[[home.figures]]\nvalue = {p}\nlabel = {p}\nsource = {p}\n\n")
        })
        .collect();
    let p = quoted(PAYLOADS[0]);
    write(
        d,
        "_index.md",
        format!(
            "+++\ntitle = {p}\ndescription = {p}\n\n[home]\nlead = {p}\n\n{figures}+++\n{BODY}"
        ),
    );
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let p = quoted(payload);
        let url = quoted(URL_PAYLOADS[i % URL_PAYLOADS.len()]);
        let common = format!("title = {p}\ndescription = {p}\n");
        let source = format!("[[sources]]\ntitle = {p}\npublisher = {p}\nurl = {url}\n");
        write(
            d,
            &format!("offices/xss-{i}.md"),
            format!(
                "+++\n{common}\n[office]\ncity = {p}\ncountry = \"land-a\"\nlatitude = 41.5\n\
                 longitude = 21.5\naddress = [{p}, {p}]\nphone = {p}\nemail = {p}\n+++\n{BODY}"
            ),
        );
        write(
            d,
            &format!("leadership/xss-{i}.md"),
            format!("+++\n{common}\n[person]\nrole = {p}\nname = {p}\nemail = {p}\n+++\n{BODY}"),
        );
        write(
            d,
            &format!("projects/xss-{i}.md"),
            format!(
                "+++\n{common}themes = [\"return\"]\ncountries = [\"land-a\"]\n\n[project]\n\
                 period = {p}\nbudget = {{ amount = 1000, currency = \"EUR\" }}\ndonors = [{p}]\n\
                 partners = [{p}]\nwebsite = {url}\n\n{source}+++\n{BODY}"
            ),
        );
        write(
            d,
            &format!("news/2020-02-{:02}-xss-{i}.md", i + 1),
            format!("+++\n{common}themes = [\"return\"]\n\n{source}+++\n{BODY}"),
        );
        write(
            d,
            &format!("themes/xss-{i}.md"),
            format!("+++\n{common}\n[theme]\nicon = \"return\"\n+++\n{BODY}"),
        );
    }
    let k = std::fs::read_to_string(d.join("countries/land-k.md")).unwrap();
    let k = k.replacen("title = \"", &format!("title = {p}\n# \""), 1);
    let k = k.replacen("name = \"", &format!("name = {p}\n# \""), 1);
    write(d, "countries/land-k.md", k);
    dir
}

/// Attributes whose value a browser follows or loads as an address.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "background",
    "cite",
    "srcset",
    "ping",
    "manifest",
    "codebase",
    "longdesc",
    "lowsrc",
    "dynsrc",
];

/// The problems of one HTML document, by the rules this file opens with.
fn problems(html: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let all = Selector::parse("*").unwrap();
    let mut found = Vec::new();
    for element in document.select(&all) {
        let node = element.value();
        let name = node.name();
        if name == "script" {
            let own = node
                .attr("src")
                .is_some_and(|src| src.starts_with("/static/"));
            let data = node.attr("type") == Some("application/ld+json")
                && serde_json::from_str::<serde_json::Value>(&element.inner_html()).is_ok();
            if !own && !data {
                found.push(format!("script element: {}", element.html()));
            }
        }
        if matches!(
            name,
            "iframe" | "object" | "embed" | "base" | "frame" | "applet"
        ) || (name == "meta" && node.attr("http-equiv").is_some())
        {
            found.push(format!("{name} element: {}", element.html()));
        }
        for (attribute, value) in node.attrs() {
            if attribute.to_ascii_lowercase().starts_with("on") {
                found.push(format!("{attribute} on <{name}>: {value}"));
            }
            let squeezed: String = value
                .chars()
                .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            let scheme = ["javascript:", "vbscript:", "data:"]
                .into_iter()
                .find(|s| squeezed.starts_with(s));
            let image = name == "img" && attribute == "src";
            let url = URL_ATTRIBUTES.contains(&attribute.to_ascii_lowercase().as_str());
            if let Some(scheme) = scheme
                && url
                && !(image && scheme == "data:")
            {
                found.push(format!("{scheme} in {attribute} of <{name}>: {value}"));
            }
            if attribute == "style" && squeezed.contains("javascript") {
                found.push(format!("style on <{name}>: {value}"));
            }
        }
    }
    found
}

#[test]
fn the_checker_finds_what_it_looks_for() {
    for bad in [
        "<p><script>alert(1)</script></p>",
        "<img src=x alt=x onerror=alert(1)>",
        "<a href=\" java\tscript:alert(1)\">x</a>",
        "<a href=\"data:text/html,x\">x</a>",
        "<iframe></iframe>",
        "<script type=\"application/ld+json\">{</script><script>1</script>",
    ] {
        assert!(!problems(bad).is_empty(), "missed {bad}");
    }
    for good in [
        "<script src=\"/static/site.123.js\"></script>",
        "<img src=\"data:image/png;base64,AAAA\" alt=\"\">",
        "<script type=\"application/ld+json\">{\"a\":\"\\u003c/script>\"}</script>",
        "<p>javascript:alert(1) as text</p>",
        "<meta property=\"og:title\" content=\"javascript:alert(1)\">",
        "<input name=\"q\" value=\"data:text/html,x\">",
    ] {
        assert_eq!(problems(good), Vec::<String>::new(), "{good}");
    }
}

#[tokio::test]
async fn no_payload_reaches_any_page_unescaped() {
    let dir = hostile_site();
    let options = options_for(dir.path());
    let site = common::rendered(&options);
    let mut checked = 0;
    let mut found = Vec::new();
    let pages = site
        .routes
        .iter()
        .map(|(path, resource)| (path.clone(), resource.clone()))
        .chain(site.not_found.iter().cloned());
    for (path, resource) in pages {
        if !resource.content_type.as_bytes().starts_with(b"text/html") {
            continue;
        }
        let html = String::from_utf8_lossy(&resource.identity);
        found.extend(problems(&html).into_iter().map(|p| format!("{path}: {p}")));
        checked += 1;
    }
    assert!(checked > 5 * PAYLOADS.len(), "only {checked} pages checked");
    // The pages made per request, with the payloads in their query.
    let app = server::app(
        Arc::new(ArcSwap::from_pointee(site)),
        &ServerOptions::default(),
    );
    for payload in PAYLOADS.iter().chain(URL_PAYLOADS) {
        let q: String = form_urlencoded::byte_serialize(payload.as_bytes()).collect();
        for uri in [
            format!("/search?q={q}"),
            format!("/tr/search?q={q}&page={q}"),
            format!("/projects/?theme={q}&country={q}&status={q}"),
        ] {
            let reply = get(&app, &uri).await;
            found.extend(
                problems(&reply.text())
                    .into_iter()
                    .map(|p| format!("{uri}: {p}")),
            );
        }
    }
    assert!(
        found.is_empty(),
        "{} problems:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The payloads did reach the pages, as text: the check above looked at them.
#[tokio::test]
async fn payloads_are_shown_as_text() {
    let dir = hostile_site();
    let options = options_for(dir.path());
    let app = common::router_for(&options);
    let page = get(&app, "/projects/xss-0/").await.text();
    let document = Html::parse_document(&page);
    let text: String = document.root_element().text().collect();
    assert!(text.contains(PAYLOADS[0]), "the title as text");
    assert!(text.contains(URL_PAYLOADS[0]), "the website as text");
}

/// A link field whose address is not http(s) is refused at load, with the file and line.
#[test]
fn link_fields_with_other_schemes_are_refused_with_the_file_and_line() {
    for url in [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "vbscript:msgbox(1)",
        "//evil.example/",
        "/relative/path",
    ] {
        for (path, field) in [
            ("projects/p-one.md", "website"),
            ("news/2020-01-01-item-01.md", "url"),
        ] {
            let dir = copy_fixture("site");
            let file = dir.path().join(path);
            let text = std::fs::read_to_string(&file).unwrap();
            let text = if field == "website" {
                text.replacen(
                    "[project]\n",
                    &format!("[project]\nwebsite = {}\n", quoted(url)),
                    1,
                )
            } else {
                text.replacen(
                    "[[sources]]\n",
                    &format!("[[sources]]\nurl = {}\n", quoted(url)),
                    1,
                )
            };
            std::fs::write(&file, text).unwrap();
            let options = options_for(dir.path());
            let Err(diagnostics) = build::build(&options, &Assets::embedded(), None) else {
                panic!("{field} = {url:?} in {path} was accepted");
            };
            let error = diagnostics
                .iter()
                .find(|d| d.is_error() && d.file == path)
                .unwrap_or_else(|| panic!("no error in {path} for {url:?}: {diagnostics:?}"));
            assert!(error.message.contains("https://"), "{}", error.message);
            assert!(error.line > 1, "placed at its line: {error:?}");
        }
    }
}
