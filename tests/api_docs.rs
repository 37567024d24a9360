//! The executable documentation: every curl example of `docs/api.md`, run in order against
//! a freshly started local server per module, with the documented fixture created through
//! the HTTP API (clusto-model.md §9), and compared by the original's doctest rules.
//!
//! The parser and comparison rules live in `tests/common` (`clusto_tests::doctest`,
//! `clusto_tests::runner`); their specs are the `rules` tests below.

use clusto_tests::doctest::{self, API_DOC, Example};
use clusto_tests::runner;
use clusto_tests::server::{self, Backend};

/// The documented functions of each module, in source order (clusto-model.md §9): the
/// examples run in this order.
const SOURCE_ORDER: &[(&str, &[&str])] = &[
    (
        "server",
        &[
            "favicon",
            "options",
            "version",
            "meta",
            "build_docs",
            "get_driverlist",
            "get_typelist",
            "get_from_pools",
            "get_by_name",
            "get_by_names",
            "get_by_attr",
        ],
    ),
    ("entity", &["list", "create", "delete", "show", "action"]),
    ("attribute", &["attrs", "add_attr", "set_attr", "del_attrs"]),
    (
        "resourcemanager",
        &["list", "create", "show", "allocate", "deallocate"],
    ),
];

fn documented_examples() -> Vec<Example> {
    doctest::parse(API_DOC).unwrap_or_else(|e| panic!("docs/api.md: {e}"))
}

#[test]
fn the_reference_holds_every_documented_example_in_source_order() {
    // GIVEN docs/api.md / WHEN its examples are read
    let modules = doctest::by_module(&documented_examples()).expect("modules are contiguous");
    // THEN the modules and their functions come in source order, each example numbered
    // from 1 within its function, as many as the original documented
    let names: Vec<&str> = modules.iter().map(|(m, _)| m.as_str()).collect();
    assert_eq!(names, ["server", "entity", "attribute", "resourcemanager"]);
    for ((module, examples), (want_module, functions)) in modules.iter().zip(SOURCE_ORDER) {
        assert_eq!(module, want_module);
        let mut order: Vec<&str> = Vec::new();
        let mut expected_n = 0;
        for example in examples {
            let mut parts = example.id.split(':').skip(1);
            let (function, n) = (parts.next().unwrap(), parts.next().unwrap());
            if order.last() != Some(&function) {
                order.push(function);
                expected_n = 0;
            }
            expected_n += 1;
            assert_eq!(n, expected_n.to_string(), "numbering of {}", example.id);
        }
        assert_eq!(&order, functions, "function order of module {module}");
    }
    let counts: Vec<usize> = modules.iter().map(|(_, e)| e.len()).collect();
    assert_eq!(counts, [39, 22, 25, 19]);
}

#[test]
fn every_placeholder_of_the_reference_has_a_value() {
    let substitutions = doctest::Substitutions::for_server("http://127.0.0.1:1");
    for example in documented_examples() {
        let command = substitutions.apply(&example.command).unwrap();
        assert!(!command.contains("${"), "{}: {command}", example.id);
        substitutions.apply(&example.expected).unwrap();
    }
}

/// Runs `module`'s examples in order against a fresh documented server on `backend`, then
/// fails with every failing example (id, command, expected, actual, diff) if any failed.
async fn run_module(module: &str, backend: Backend) {
    let examples: Vec<Example> = documented_examples()
        .into_iter()
        .filter(|e| e.module() == module)
        .collect();
    assert!(!examples.is_empty(), "no examples for module {module}");
    let server = server::start_documented(backend).await;
    let report = runner::run_examples(&examples, &server.url(), backend.name()).await;
    server.stop().await.expect("stopping the server");
    // Shown with --nocapture (scripts/test prints it for the record).
    println!("{}", report.summary());
    report.assert_all_passed();
}

// One test per module and backend: each starts its own server on a new database, as the
// original's runner did per source file. Multi-threaded so the in-process server keeps
// serving on its own threads while the test awaits curl.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_examples_on_the_embedded_store() {
    run_module("server", Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_examples_on_the_embedded_store() {
    run_module("entity", Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attribute_examples_on_the_embedded_store() {
    run_module("attribute", Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resourcemanager_examples_on_the_embedded_store() {
    run_module("resourcemanager", Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn server_examples_on_dynamodb() {
    run_module("server", Backend::DynamoDb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn entity_examples_on_dynamodb() {
    run_module("entity", Backend::DynamoDb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn attribute_examples_on_dynamodb() {
    run_module("attribute", Backend::DynamoDb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn resourcemanager_examples_on_dynamodb() {
    run_module("resourcemanager", Backend::DynamoDb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_reports_each_failure_with_its_command_expectation_and_output() {
    // GIVEN a server and two examples, the second with a wrong expectation
    let md = concat!(
        "<!-- example: server:version:1 -->\n```console\n",
        "$ ${get} ${server_url}/__version__\n\"${server_version}\"\nHTTP: 200\n...\n```\n",
        "<!-- example: server:version:2 -->\n```console\n",
        "$ ${get} ${server_url}/__version__\n\"9.9.9\"\nHTTP: 200\n...\n```\n",
    );
    let examples = doctest::parse(md).unwrap();
    let store = Backend::Embedded.fresh_store().await;
    let server = server::start(store, clusto_http::Config::default()).await;
    // WHEN they run
    let report = runner::run_examples(&examples, &server.url(), "embedded").await;
    server.stop().await.unwrap();
    // THEN the first passes and the second is reported with what it printed
    assert_eq!(report.passed(), 1);
    assert_eq!(report.failed_ids(), ["server:version:2"]);
    let text = report.failure_report();
    assert!(text.contains("=== server:version:2"), "{text}");
    assert!(text.contains("  -\"9.9.9\"\n  +\"0.5.2\""), "{text}");
    assert!(text.contains("/__version__"), "{text}");
    assert!(
        report
            .summary()
            .starts_with("server on embedded: 1/2 passed")
    );
}

#[tokio::test]
async fn a_command_that_outlives_its_timeout_is_killed_and_fails() {
    let started = std::time::Instant::now();
    let result = runner::run_shell("sleep 10", std::time::Duration::from_millis(200)).await;
    assert!(result.unwrap_err().contains("timed out"));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let out = runner::run_shell("echo out; echo err >&2; false", runner::COMMAND_TIMEOUT)
        .await
        .unwrap();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("out\n", "err\n")
    );
}

/// Specs of the parser and of the comparison rules.
mod rules {
    use clusto_tests::doctest::{Substitutions, by_module, diff, matches, normalize, parse};
    use clusto_tests::runner::deviation_for;

    const ONE: &str = "intro\n\n<!-- example: m:f:1 -->\n```console\n$ echo hi\nhi\nthere\n```\n";

    #[test]
    fn a_marked_console_block_is_one_example() {
        let examples = parse(ONE).unwrap();
        assert_eq!(examples.len(), 1);
        let e = &examples[0];
        assert_eq!((e.id.as_str(), e.module()), ("m:f:1", "m"));
        assert_eq!(e.command, "echo hi");
        assert_eq!(e.expected, "hi\nthere");
        assert_eq!(e.line, 5, "the line of the command");
    }

    #[test]
    fn continuation_lines_extend_the_command() {
        let md = "<!-- example: m:f:1 -->\n```console\n$ echo a &&\n. echo b\na\nb\n```\n";
        let e = &parse(md).unwrap()[0];
        assert_eq!(e.command, "echo a &&\necho b");
        assert_eq!(e.expected, "a\nb");
    }

    #[test]
    fn blank_lines_may_separate_marker_and_block_and_an_empty_expectation_is_empty() {
        let md = "<!-- example: m:f:1 -->\n\n```console\n$ true\n```\n";
        assert_eq!(parse(md).unwrap()[0].expected, "");
    }

    #[test]
    fn other_code_blocks_are_ignored_even_with_dollar_lines() {
        let md = format!("```json\n$ not a command\n```\n\n```\n```console\n```\n{ONE}");
        assert_eq!(parse(&md).unwrap().len(), 1);
    }

    #[test]
    fn an_unmarked_console_block_is_an_error() {
        let err = parse("text\n```console\n$ echo\n```\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("marker"), "{err}");
    }

    #[test]
    fn a_marker_without_a_console_block_is_an_error() {
        assert!(parse("<!-- example: m:f:1 -->\ntext\n").is_err());
        assert!(parse("<!-- example: m:f:1 -->\n```json\n$ x\n```\n").is_err());
        assert!(
            parse("<!-- example: m:f:1 -->\n```console\n$ x\n").is_err(),
            "unclosed"
        );
    }

    #[test]
    fn bad_ids_and_repeated_ids_are_errors() {
        assert!(parse("<!-- example: m:f -->\n```console\n$ x\n```\n").is_err());
        assert!(
            parse(&format!("{ONE}{ONE}"))
                .unwrap_err()
                .message
                .contains("twice")
        );
    }

    #[test]
    fn a_block_holds_exactly_one_command() {
        assert!(parse("<!-- example: m:f:1 -->\n```console\nout\n```\n").is_err());
        let two = "<!-- example: m:f:1 -->\n```console\n$ a\nx\n$ b\ny\n```\n";
        assert!(parse(two).unwrap_err().message.contains("one command"));
    }

    #[test]
    fn modules_are_grouped_in_order_of_appearance_and_must_be_contiguous() {
        let block = |id: &str| format!("<!-- example: {id} -->\n```console\n$ x\n```\n");
        let md: String = ["b:f:1", "b:f:2", "a:g:1"]
            .iter()
            .map(|id| block(id))
            .collect();
        let modules = by_module(&parse(&md).unwrap()).unwrap();
        let shape: Vec<(&str, usize)> =
            modules.iter().map(|(m, e)| (m.as_str(), e.len())).collect();
        assert_eq!(shape, [("b", 2), ("a", 1)]);
        let md: String = ["b:f:1", "a:g:1", "b:f:2"]
            .iter()
            .map(|id| block(id))
            .collect();
        assert!(by_module(&parse(&md).unwrap()).is_err());
    }

    #[test]
    fn identical_text_matches() {
        assert!(matches("\"0.5.2\"\nHTTP: 200", "\"0.5.2\"\nHTTP: 200"));
        assert!(!matches("\"0.5.2\"", "\"0.5.3\""));
    }

    #[test]
    fn whitespace_runs_are_equal_including_newlines_and_crlf() {
        assert!(matches(
            "[\n    \"/a\",\n    \"/b\"\n]",
            "[ \"/a\",\r\n\t\"/b\" ]"
        ));
        assert!(matches("a b", "\n  a\n\n b \n"));
        // Whitespace is normalised, not removed.
        assert!(!matches("ab", "a b"));
        assert!(!matches("[\n]", "[]"));
    }

    #[test]
    fn an_ellipsis_line_matches_any_lines() {
        let want = "HTTP/1.0 204 No Content\n...\nContent-Length: 0";
        let got = "HTTP/1.0 204 No Content\r\nAllow: GET\r\nDate: x\r\nContent-Length: 0\r\n\r\n";
        assert!(matches(want, got));
        assert!(matches(
            "[\n    ...\n]",
            "[\n    \"/clustometa/clustometa\",\n    \"/pool/x\"\n]"
        ));
        assert!(matches(
            "...\nHTTP: 200\n...",
            "{\"a\": 1}\nHTTP: 200\nContent-type: x"
        ));
        assert!(matches("...", ""));
    }

    #[test]
    fn an_ellipsis_inside_a_line_matches_any_text() {
        let want = "HTTP/1.0 202 Accepted\n...\nWarnings: Entity(s) /pool/createpool1 already exist(s)...\n[\n    \"/pool/createpool1\"\n]";
        let got = "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nWarnings: Entity(s) /pool/createpool1 already exist(s)\r\nClusto-Minify: False\r\n\r\n[\n    \"/pool/createpool1\"\n]";
        assert!(matches(want, got));
        assert!(!matches(
            want,
            &got.replace("createpool1 already", "other already")
        ));
    }

    #[test]
    fn an_ellipsis_needs_the_text_around_it_in_order_without_overlap() {
        assert!(matches("a...b...c", "a x b y b z c"));
        assert!(matches("a...b...c", "abc"));
        assert!(!matches("a...c...b", "a b c"));
        assert!(!matches("aa...aa", "aaa"), "start and end may not overlap");
        assert!(matches("aa...aa", "aaaa"));
        // The middle pieces may be found anywhere before the fixed end, not only leftmost
        // of the whole text: `b` is found, then `c` after it, then the end `c`.
        assert!(matches("a...b...c...c", "a c b c c"));
        // `...` in the expectation matches no characters too.
        assert!(matches("x...y", "xy"));
    }

    #[test]
    fn an_ellipsis_around_whitespace_still_needs_the_whitespace() {
        // As in Python: "[\n...\n]" normalises to "[ ... ]", which needs "[ " and " ]".
        assert!(!matches("[\n    ...\n]", "[]"));
        assert!(matches("[\n    ...\n]", "[ x ]"));
        assert!(
            !matches("[\n    ...\n]", "[ ]"),
            "'[ ' and ' ]' would overlap"
        );
    }

    #[test]
    fn http_1_0_and_1_1_are_equal_at_the_start_of_a_status_line_only() {
        assert!(matches(
            "HTTP/1.0 200 OK\n...",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
        ));
        assert!(matches(
            "HTTP/1.1 204 No Content",
            "HTTP/1.0 204 No Content"
        ));
        assert!(!matches("HTTP/1.0 200 OK", "HTTP/2 200 OK"));
        assert!(!matches("HTTP/1.0 200 OK", "HTTP/1.1 201 Created"));
        assert!(!matches("Via: HTTP/1.0 200", "Via: HTTP/1.1 200"));
        assert_eq!(
            normalize("  HTTP/1.1 404 Not Found\r\n"),
            "HTTP/1.x 404 Not Found"
        );
    }

    #[test]
    fn empty_expectations_match_only_empty_output() {
        assert!(matches("", ""));
        assert!(matches("", "\n \r\n"));
        assert!(!matches("", "x"));
        assert!(!matches("x", ""));
    }

    #[test]
    fn the_diff_marks_lines_only_expected_and_only_printed() {
        assert_eq!(diff("a\nb\nc", "a\nx\n  c\r\n"), "   a\n  -b\n  +x\n   c\n");
        assert_eq!(diff("", "x"), "  +x\n");
    }

    #[test]
    fn substitutions_fill_placeholders_once() {
        let s = Substitutions::for_server("http://127.0.0.1:9");
        assert_eq!(
            s.apply("${get} ${server_url}/__version__").unwrap(),
            "curl -X GET -G -s -w '\\nHTTP: %{http_code}\\nContent-type: %{content_type}' http://127.0.0.1:9/__version__"
        );
        assert_eq!(s.apply("\"${server_version}\"").unwrap(), "\"0.5.2\"");
        assert_eq!(s.apply("${head}").unwrap(), "curl -s -I");
        assert_eq!(s.apply("no placeholders").unwrap(), "no placeholders");
        assert!(
            s.apply("-d '${sample_json_attrs}'")
                .unwrap()
                .contains("\"subkey\":\"admin\"")
        );
        assert!(s.apply("${nosuch}").is_err());
        assert!(s.apply("${get").is_err());
    }

    #[test]
    fn substituted_values_are_not_substituted_again() {
        let s = Substitutions::from_json(r#"{"substitutions": {"a": "${b}", "b": "x"}}"#).unwrap();
        assert_eq!(s.apply("${a}${b}").unwrap(), "${b}x");
    }

    #[test]
    fn only_the_options_examples_may_lack_their_content_length_line() {
        let example = |id: &str, expected: &str| clusto_tests::doctest::Example {
            id: id.into(),
            command: "x".into(),
            expected: expected.into(),
            line: 1,
        };
        let options = example(
            "server:options:1",
            "HTTP/1.0 204 No Content\n...\nContent-Length: 0",
        );
        let (_, relaxed) = deviation_for(&options).expect("accepted deviation");
        assert_eq!(relaxed, "HTTP/1.0 204 No Content\n...");
        assert!(matches(
            &relaxed,
            "HTTP/1.1 204 No Content\r\nAllow: GET\r\nDate: now\r\n\r\n"
        ));
        assert!(!matches(&relaxed, "HTTP/1.1 200 OK\r\n"));
        // Not for other examples, nor for other last lines.
        assert!(
            deviation_for(&example(
                "server:version:2",
                "HTTP/1.0 200 OK\n...\nContent-Length: 0"
            ))
            .is_none()
        );
        assert!(
            deviation_for(&example("server:options:1", "HTTP/1.0 204 No Content\n...")).is_none()
        );
    }
}
