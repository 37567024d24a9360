//! The API reference served at `/`, `/__doc__` and `/<app>/__doc__`: the project's own
//! `docs/api.md`, which also carries the curl examples the executable-docs test runs.
//!
//! Both forms are built into the binary: the Markdown source as it is, and an XHTML page
//! rendered from it once, on first use. The page begins with the XML declaration the
//! original server's page began with (`<?xml version="1.0" encoding="utf-8" ?>`), which
//! its documented example checks.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// The Markdown source of the reference.
const SOURCE: &str = include_str!("../../../docs/api.md");

/// The first line of the HTML page, byte for byte.
const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="utf-8" ?>"#;

/// Used when the Markdown has no top-level heading to name the page.
const DEFAULT_TITLE: &str = "Clusto API reference";

static HTML: LazyLock<String> = LazyLock::new(|| render_page(SOURCE));

/// The reference as plain text (what `Accept: text/plain` gets): the Markdown source.
pub fn reference_text() -> &'static str {
    SOURCE
}

/// The reference as an XHTML page beginning `<?xml version="1.0" encoding="utf-8" ?>`.
///
/// Rendered on the first call and kept for the life of the process.
pub fn reference_html() -> &'static str {
    &HTML
}

/// Renders Markdown (with tables) as a complete XHTML 1.0 page.
///
/// The title is the text of the first level-1 heading. Headings get `id`s made from their
/// text (`get_by_name`, `module-server`; repeated headings such as `list` get `-2`, `-3` …),
/// so sections can be linked to.
fn render_page(markdown: &str) -> String {
    let mut events: Vec<Event<'_>> = Parser::new_ext(markdown, Options::ENABLE_TABLES).collect();
    let title = add_heading_ids(&mut events).unwrap_or_else(|| DEFAULT_TITLE.to_owned());

    let mut body = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut body, events.into_iter());

    let mut page = String::with_capacity(body.len() + 512);
    page.push_str(XML_DECLARATION);
    page.push('\n');
    page.push_str(concat!(
        r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "#,
        r#""http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">"#,
        "\n",
        r#"<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">"#,
        "\n<head>\n",
        r#"<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />"#,
        "\n<title>"
    ));
    push_escaped(&mut page, &title);
    page.push_str("</title>\n</head>\n<body>\n");
    page.push_str(&body);
    page.push_str("</body>\n</html>\n");
    page
}

/// Gives every heading without an id one made from its text; returns the text of the first
/// level-1 heading.
fn add_heading_ids(events: &mut [Event<'_>]) -> Option<String> {
    let mut used = HashSet::new();
    let mut title = None;
    for start in 0..events.len() {
        let Event::Start(Tag::Heading {
            level, id: None, ..
        }) = &events[start]
        else {
            continue;
        };
        let level = *level;
        let text = heading_text(&events[start + 1..]);
        if level == HeadingLevel::H1 && title.is_none() {
            title = Some(text.clone());
        }
        let id = unique(&mut used, slug(&text));
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[start] {
            *slot = Some(id.into());
        }
    }
    title
}

/// The plain text of a heading: its text and code spans up to the heading's end.
fn heading_text(events: &[Event<'_>]) -> String {
    let mut text = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            _ => {}
        }
    }
    text
}

/// Lowercase letters, digits, `_` and `-`; runs of anything else become one `-`.
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str("section");
    }
    slug
}

/// `base` if unused, else `base-2`, `base-3` …
fn unique(used: &mut HashSet<String>, base: String) -> String {
    let mut candidate = base.clone();
    let mut n = 1;
    while used.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    used.insert(candidate.clone());
    candidate
}

/// Appends `text` with the characters special in XML text escaped.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_starts_with_the_documented_xml_declaration() {
        // GIVEN the served reference / WHEN rendered as HTML
        let page = reference_html();
        // THEN its first line is exactly the one the `build_docs` example expects
        assert!(page.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<!DOCTYPE html"));
        assert!(page.contains("<html xmlns=\"http://www.w3.org/1999/xhtml\""));
        assert!(page.trim_end().ends_with("</body>\n</html>"));
    }

    #[test]
    fn the_page_is_rendered_once() {
        assert!(std::ptr::eq(reference_html(), reference_html()));
    }

    #[test]
    fn the_title_is_the_first_top_level_heading() {
        let page = render_page("intro\n\n## Sub\n\n# Clusto & a < b \"c\"\n\n# Second\n");
        assert!(
            page.contains("<title>Clusto &amp; a &lt; b &quot;c&quot;</title>"),
            "{page}"
        );
    }

    #[test]
    fn a_page_without_a_top_level_heading_gets_the_default_title() {
        assert!(
            render_page("## only a subsection\n").contains("<title>Clusto API reference</title>")
        );
    }

    #[test]
    fn markdown_constructs_become_html() {
        // GIVEN a table, a fenced console block with markup characters, and inline code
        let md = "# T\n\n| a | b |\n|---|---|\n| `x` | y |\n\n```console\n$ curl -d 'a<b&c'\n\"ok\"\n```\n";
        // WHEN rendered
        let page = render_page(md);
        // THEN the table is a table, and the code is escaped verbatim in a <pre>
        assert!(page.contains("<table>"), "{page}");
        assert!(page.contains("<td><code>x</code></td>"), "{page}");
        assert!(page.contains("<pre><code class=\"language-console\">$ curl -d 'a&lt;b&amp;c'\n\"ok\"\n</code></pre>"), "{page}");
    }

    #[test]
    fn headings_get_unique_ids_from_their_text() {
        let page =
            render_page("# API\n\n## Module `entity`\n\n### list\n\n## Module `rm`\n\n### list\n");
        assert!(page.contains("<h1 id=\"api\">"), "{page}");
        assert!(page.contains("<h2 id=\"module-entity\">"), "{page}");
        assert!(page.contains("<h3 id=\"list\">"), "{page}");
        assert!(page.contains("<h3 id=\"list-2\">"), "{page}");
    }

    #[test]
    fn the_served_reference_documents_every_module_with_its_examples() {
        let text = reference_text();
        for module in ["server", "entity", "attribute", "resourcemanager"] {
            assert!(text.contains(&format!("## Module `{module}`")), "{module}");
        }
        let page = reference_html();
        assert!(page.contains("<h3 id=\"get_by_name\">"));
        assert!(page.contains("<!-- example: server:favicon:1 -->"));
        assert!(page.contains("${get} ${server_url}/by-attr"));
    }
}
