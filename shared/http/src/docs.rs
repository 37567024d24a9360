//! The API reference served at `/`, `/__doc__` and `/<app>/__doc__`: the project's own
//! `docs/api.md`, which also carries the curl examples the executable-docs test runs.

/// The reference as plain text (what `Accept: text/plain` gets).
pub fn reference_text() -> &'static str {
    include_str!("../../../docs/api.md")
}

/// The reference as an HTML page beginning `<?xml version="1.0" encoding="utf-8" ?>`.
pub fn reference_html() -> String {
    todo!("render docs/api.md as HTML")
}
