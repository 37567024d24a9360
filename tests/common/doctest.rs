//! The executable documentation: the curl examples of `docs/api.md`, and the rules their
//! output is compared by.
//!
//! # The format the parser reads
//!
//! Each example is one fenced code block with info string `console`, preceded by an HTML
//! comment naming it:
//!
//! ````markdown
//! <!-- example: server:get_by_name:2 -->
//! ```console
//! $ ${get} -H 'Clusto-Mode: compact' ${server_url}/by-name/testserver1
//! "/basicserver/testserver1"
//! HTTP: 200
//! Content-type: application/json
//! ```
//! ````
//!
//! The id is `module:function:n`. Inside the block the first line is the command after
//! `$ `; lines starting with `. ` continue it (joined with a newline); every other line is
//! the expected output. A `console` block without a marker, or a marker without a block,
//! is an error, so no example is silently skipped.
//!
//! # Comparison rules
//!
//! Those of the original's doctest runner (Python's `doctest` with `ELLIPSIS` and
//! `NORMALIZE_WHITESPACE`), plus one for the HTTP version: see [`matches`].

use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// The API reference the examples are read from.
pub const API_DOC: &str = include_str!("../../docs/api.md");

/// The curl shorthands (`${get}`, `${post_i}` …), copied from the original's
/// `DOC_SUBSTITUTIONS`.
pub const SUBSTITUTIONS_JSON: &str = include_str!("../../docs/substitutions.json");

/// The version the examples expect for `${server_version}`.
pub const SERVER_VERSION: &str = "0.5.2";

/// One documented example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    /// `module:function:n`, e.g. `server:options:1`.
    pub id: String,
    /// The command, without the `$ ` prompt, placeholders not yet substituted.
    pub command: String,
    /// The expected output, one string with `\n` between lines (no trailing newline).
    pub expected: String,
    /// 1-based line of the `$ ` line in the Markdown, for messages.
    pub line: usize,
}

impl Example {
    /// The module part of the id (`server` for `server:options:1`).
    pub fn module(&self) -> &str {
        self.id.split(':').next().unwrap_or_default()
    }
}

/// What is wrong with the examples' Markdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong there.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "docs line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

const MARKER_START: &str = "<!-- example:";
const MARKER_END: &str = "-->";
const FENCE: &str = "```";

/// Reads every example of `markdown`, in document order.
pub fn parse(markdown: &str) -> Result<Vec<Example>, ParseError> {
    let lines: Vec<&str> = markdown.lines().collect();
    let err = |line: usize, message: String| Err(ParseError { line, message });
    let mut examples = Vec::new();
    let mut seen = HashSet::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if line.starts_with(FENCE) {
            // A fence outside any marked example: skip its block, but refuse unmarked
            // console blocks (an example the runner would not see).
            let ticks = line.len() - line.trim_start_matches('`').len();
            if line[ticks..].trim() == "console" {
                return err(
                    i + 1,
                    "console block without an `<!-- example: ID -->` marker".into(),
                );
            }
            i += 1;
            while i < lines.len() && !closes_fence(lines[i], ticks) {
                i += 1;
            }
            i += 1;
            continue;
        }
        let Some(rest) = line.trim_start().strip_prefix(MARKER_START) else {
            i += 1;
            continue;
        };
        let marker_line = i + 1;
        let Some(id) = rest.strip_suffix(MARKER_END).map(str::trim) else {
            return err(
                marker_line,
                format!("marker not closed on its line: {line}"),
            );
        };
        if id.split(':').count() != 3 || id.split(':').any(str::is_empty) {
            return err(
                marker_line,
                format!("example id {id:?} is not module:function:n"),
            );
        }
        if !seen.insert(id.to_owned()) {
            return err(marker_line, format!("example id {id} used twice"));
        }
        // The block follows, after blank lines at most.
        i += 1;
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        if i >= lines.len() || lines[i].trim_end() != "```console" {
            return err(
                i + 1,
                format!("example {id}: expected a ```console block after its marker"),
            );
        }
        i += 1;
        let mut body = Vec::new();
        let body_start = i + 1;
        while i < lines.len() && !closes_fence(lines[i], FENCE.len()) {
            body.push(lines[i]);
            i += 1;
        }
        if i >= lines.len() {
            return err(
                body_start - 1,
                format!("example {id}: code block not closed"),
            );
        }
        i += 1;
        examples.push(example_from_block(id, &body, body_start)?);
    }
    Ok(examples)
}

/// A closing code fence (CommonMark): only backticks, at least as many as the opening.
fn closes_fence(line: &str, ticks: usize) -> bool {
    let line = line.trim();
    line.len() >= ticks && line.bytes().all(|b| b == b'`')
}

fn example_from_block(id: &str, body: &[&str], first_line: usize) -> Result<Example, ParseError> {
    let Some(command) = body.first().and_then(|l| l.strip_prefix("$ ")) else {
        return Err(ParseError {
            line: first_line,
            message: format!("example {id}: the block must start with a `$ ` command line"),
        });
    };
    let mut command = command.to_owned();
    let mut rest = &body[1..];
    while let Some(more) = rest.first().and_then(|l| l.strip_prefix(". ")) {
        command.push('\n');
        command.push_str(more);
        rest = &rest[1..];
    }
    if let Some(n) = rest.iter().position(|l| l.starts_with("$ ")) {
        return Err(ParseError {
            line: first_line + 1 + n,
            message: format!("example {id}: one command per block"),
        });
    }
    let mut expected: Vec<&str> = rest.to_vec();
    while expected.last().is_some_and(|l| l.trim().is_empty()) {
        expected.pop();
    }
    Ok(Example {
        id: id.to_owned(),
        command,
        expected: expected.join("\n"),
        line: first_line,
    })
}

/// The examples grouped by module, modules in the order they first appear.
///
/// # Errors
/// If a module's examples are not contiguous (the order would be ambiguous).
pub fn by_module(examples: &[Example]) -> Result<Vec<(String, Vec<Example>)>, String> {
    let mut modules: Vec<(String, Vec<Example>)> = Vec::new();
    for example in examples {
        match modules.last_mut() {
            Some((module, list)) if module == example.module() => list.push(example.clone()),
            _ => {
                if modules.iter().any(|(m, _)| m == example.module()) {
                    return Err(format!(
                        "example {} (line {}) is separated from the other examples of module {}",
                        example.id,
                        example.line,
                        example.module()
                    ));
                }
                modules.push((example.module().to_owned(), vec![example.clone()]));
            }
        }
    }
    Ok(modules)
}

/// The `${name}` placeholders of the examples and their values.
#[derive(Debug, Clone)]
pub struct Substitutions {
    values: BTreeMap<String, String>,
}

impl Substitutions {
    /// The curl shorthands of `docs/substitutions.json`, plus `${server_url}` and
    /// `${server_version}` ([`SERVER_VERSION`]).
    pub fn for_server(server_url: &str) -> Self {
        let mut s = Self::from_json(SUBSTITUTIONS_JSON).expect("docs/substitutions.json is valid");
        s.values.insert("server_url".into(), server_url.to_owned());
        s.values
            .insert("server_version".into(), SERVER_VERSION.to_owned());
        s
    }

    /// Reads `{"substitutions": {"name": "value", …}}`.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let doc: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let map = doc
            .get("substitutions")
            .and_then(serde_json::Value::as_object)
            .ok_or("no \"substitutions\" object")?;
        let mut values = BTreeMap::new();
        for (name, value) in map {
            let value = value
                .as_str()
                .ok_or_else(|| format!("{name}: not a string"))?;
            values.insert(name.clone(), value.to_owned());
        }
        Ok(Self { values })
    }

    /// `text` with every `${name}` replaced by its value (values are not substituted again).
    ///
    /// # Errors
    /// On a placeholder with no value, so a typo fails loudly instead of reaching bash.
    pub fn apply(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| format!("unclosed placeholder in {text:?}"))?;
            let name = &after[..end];
            let value = self
                .values
                .get(name)
                .ok_or_else(|| format!("unknown placeholder ${{{name}}} in {text:?}"))?;
            out.push_str(value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The doctest comparison of an example's output.
///
/// - `...` (on a line of its own or inside a line) matches any text, across lines too, as
///   Python's `ELLIPSIS`;
/// - runs of whitespace, newlines and `\r` included, are equal, and leading and trailing
///   whitespace is ignored, as `NORMALIZE_WHITESPACE`;
/// - `HTTP/1.0` and `HTTP/1.1` at the start of a status line are equal (the original
///   printed HTTP/1.0; clusto-model.md §10 quirk 1);
/// - so an empty expectation matches only empty (or all-whitespace) output.
pub fn matches(expected: &str, actual: &str) -> bool {
    ellipsis_match(&normalize(expected), &normalize(actual))
}

/// Both normalisations of [`matches`]: status lines, then whitespace runs to one space.
pub fn normalize(text: &str) -> String {
    let lines: Vec<String> = text.lines().map(normalize_status_line).collect();
    lines
        .join("\n")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `HTTP/1.0 204 …` and `HTTP/1.1 204 …` both become `HTTP/1.x 204 …`.
fn normalize_status_line(line: &str) -> String {
    let trimmed = line.trim_start();
    for version in ["HTTP/1.0 ", "HTTP/1.1 "] {
        if let Some(rest) = trimmed.strip_prefix(version) {
            let code = rest.as_bytes().get(..3);
            if code.is_some_and(|c| c.iter().all(u8::is_ascii_digit)) {
                return format!("HTTP/1.x {rest}");
            }
        }
    }
    line.to_owned()
}

/// Python doctest's `_ellipsis_match`: the pieces between `...` must appear in order, the
/// first at the start and the last at the end. Taking the leftmost match of each middle
/// piece is enough: if that fails, every other choice fails too.
fn ellipsis_match(want: &str, got: &str) -> bool {
    const MARKER: &str = "...";
    if !want.contains(MARKER) {
        return want == got;
    }
    let pieces: Vec<&str> = want.split(MARKER).collect();
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if !got.starts_with(first) || !got.ends_with(last) {
        return false;
    }
    let (mut start, end) = (first.len(), got.len() - last.len());
    if start > end {
        // The fixed start and end overlap: `aa...aa` against `aaa`.
        return false;
    }
    for piece in &pieces[1..pieces.len() - 1] {
        match got[start..end].find(piece) {
            Some(at) => start += at + piece.len(),
            None => return false,
        }
    }
    true
}

/// A readable comparison of expected and actual output for a failure report: a line diff
/// (`-` expected only, `+` actual only, ` ` both) after trimming each line; `...` lines of
/// the expectation are shown as they are.
pub fn diff(expected: &str, actual: &str) -> String {
    let want: Vec<&str> = expected.lines().map(str::trim).collect();
    let got: Vec<&str> = actual.lines().map(str::trim).collect();
    // Longest common subsequence table, from the end.
    let mut lcs = vec![vec![0usize; got.len() + 1]; want.len() + 1];
    for i in (0..want.len()).rev() {
        for j in (0..got.len()).rev() {
            lcs[i][j] = if want[i] == got[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < want.len() || j < got.len() {
        if i < want.len() && j < got.len() && want[i] == got[j] {
            out.push_str(&format!("   {}\n", want[i]));
            i += 1;
            j += 1;
        } else if i < want.len() && (j == got.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("  -{}\n", want[i]));
            i += 1;
        } else {
            out.push_str(&format!("  +{}\n", got[j]));
            j += 1;
        }
    }
    out
}
