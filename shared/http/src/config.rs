//! [`Config`]: the settings of the API, one definition for the command line of
//! `clusto-local` and for the environment of the Lambda functions (each field is a clap
//! argument with an `env` fallback, so `--dynamodb-table` and `CLUSTO_TABLE` are the same
//! field).

use axum::http::{HeaderName, HeaderValue};
use clap::{Args, Parser};

/// Settings shared by every way of running the API.
#[derive(Debug, Clone, Default, Args)]
pub struct Config {
    /// A header added to every response, errors included, as `'Name: value'` (repeatable;
    /// like `response_headers` in the original's clusto.conf), e.g.
    /// `--response-header 'Access-Control-Allow-Origin: *'`. In the environment variable,
    /// separate several headers with newlines or `;`.
    #[arg(
        long = "response-header",
        value_name = "'Name: value'",
        env = "CLUSTO_RESPONSE_HEADERS",
        value_parser = parse_header_list
    )]
    pub response_headers: Vec<HeaderList>,

    /// The DynamoDB table holding the clusto database (required in AWS Lambda).
    #[arg(long = "dynamodb-table", value_name = "NAME", env = "CLUSTO_TABLE")]
    pub dynamodb_table: Option<String>,

    /// How long the answer to a request with an `Idempotency-Key` is kept (and a repeat
    /// answered from it), in seconds [default: 86400, a day].
    #[arg(
        long = "idempotency-ttl",
        value_name = "SECONDS",
        env = "CLUSTO_IDEMPOTENCY_TTL"
    )]
    pub idempotency_ttl: Option<u64>,
}

impl Config {
    /// The settings from the environment only (what a Lambda function has).
    pub fn from_env() -> Result<Config, clap::Error> {
        #[derive(Parser)]
        struct EnvOnly {
            #[command(flatten)]
            config: Config,
        }
        EnvOnly::try_parse_from(["clusto"]).map(|e| e.config)
    }

    /// How long idempotency records live.
    pub fn idempotency_ttl(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.idempotency_ttl.unwrap_or(24 * 60 * 60))
    }

    /// Every configured response header, in order.
    pub fn headers(&self) -> impl Iterator<Item = &(HeaderName, HeaderValue)> {
        self.response_headers.iter().flat_map(|l| l.0.iter())
    }

    /// Adds response headers (from text in the `--response-header` format).
    pub fn with_headers(mut self, text: &str) -> Result<Config, String> {
        self.response_headers.push(parse_header_list(text)?);
        Ok(self)
    }
}

/// Headers parsed from one `--response-header` value or from `CLUSTO_RESPONSE_HEADERS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList(pub Vec<(HeaderName, HeaderValue)>);

/// Whether `s` begins like a header (`Name:`), so a `;` before it separates two headers
/// while a `;` inside a value (`text/html; charset=utf-8`) does not.
fn starts_header(s: &str) -> bool {
    s.split_once(':').is_some_and(|(name, _)| {
        let name = name.trim();
        !name.is_empty() && HeaderName::from_bytes(name.as_bytes()).is_ok()
    })
}

/// Parses `Name: value` headers separated by newlines or by `;` followed by another
/// `Name:`.
pub fn parse_header_list(text: &str) -> Result<HeaderList, String> {
    let mut specs: Vec<String> = Vec::new();
    for line in text.lines() {
        for piece in line.split(';') {
            match specs.last_mut() {
                Some(last) if !starts_header(piece) && !piece.trim().is_empty() => {
                    last.push(';');
                    last.push_str(piece);
                }
                _ if piece.trim().is_empty() => {}
                _ => specs.push(piece.to_owned()),
            }
        }
    }
    let mut headers = Vec::new();
    for spec in specs {
        let (name, value) = spec
            .split_once(':')
            .ok_or_else(|| format!("{spec:?} is not a header: expected 'Name: value'"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| format!("{:?} is not a valid header name", name.trim()))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| format!("{:?} is not a valid header value", value.trim()))?;
        headers.push((name, value));
    }
    Ok(HeaderList(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        parse_header_list(text)
            .unwrap()
            .0
            .iter()
            .map(|(n, v)| format!("{n}={}", v.to_str().unwrap()))
            .collect()
    }

    #[test]
    fn one_header() {
        assert_eq!(
            names("Access-Control-Allow-Origin: *"),
            ["access-control-allow-origin=*"]
        );
    }

    #[test]
    fn several_headers_by_newline_or_semicolon() {
        assert_eq!(names("A: 1\nB: 2"), ["a=1", "b=2"]);
        assert_eq!(names("A: 1; B: 2;"), ["a=1", "b=2"]);
        assert_eq!(
            names("Content-Security-Policy: default-src 'self'; img-src *"),
            ["content-security-policy=default-src 'self'; img-src *"]
        );
    }

    #[test]
    fn malformed_headers_are_rejected() {
        assert!(parse_header_list("no colon").is_err());
        assert!(parse_header_list("Bad Name: x").is_err());
    }
}
