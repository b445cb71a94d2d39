//! In-process router tests (`app(state)` with `oneshot`, no port): every route and its status
//! codes, security headers, the contribution form's defences (`contribute`), moderation, and
//! snapshots of key pages.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use notbetter_kb::KnowledgeBase;
use tower::ServiceExt;

use crate::{app, AppState, Config};

mod contribute;
mod errors;
mod exports;
mod mechanisms;
mod methods;
mod moderation;
mod premortem;
mod trips;

const CASES: &[(&str, &str)] = &[
    (
        "xray-shortcut.md",
        r#"+++
id = "xray-shortcut"
title = "Chest x-ray model learns the hospital"
year = 2021
domains = ["healthcare/medical-imaging"]
causes = ["model/shortcut-learning", "data/distribution-shift"]
failure_modes = ["suboptimal-performance"]
methods = ["cnn"]
tags = ["x-ray"]
[[references]]
title = "A test reference"
doi = "10.5555/xray"
[evidence]
code_available = true
data_available = false
external_validation = "unknown"
unknown_reason = "the paper does not say where it was tested"
[review]
date = "2025-06-01"
against = ["https://doi.org/10.5555/xray", "arXiv:2104.01234"]
verdict = "confirmed"
notes = "title, year and the shortcut checked against the abstract"
+++
## Use case
Reading chest radiographs. Across hospitals.
## Proposed solution
A convolutional network. Trained on one site.
## Outcome
Accuracy fell at a new hospital. It fell a lot.
## Why it failed
The model used a hospital marker as a shortcut. The marker differed by site.
## The pattern in any field
The model read a mark of where each input came from. It predicted the label only where that held.
## Lessons
Test on another hospital. Look at saliency.
"#,
    ),
    (
        "nli-overlap.md",
        r#"+++
id = "nli-overlap"
title = "Inference models learn word overlap"
year = 2019
domains = ["language-technology/nlu"]
causes = ["model/shortcut-learning"]
methods = ["BERT"]
[[references]]
arxiv = "1902.01007"
+++
## Use case
Natural language inference. On benchmarks.
## Proposed solution
A pretrained transformer. Fine-tuned.
## Outcome
It failed on a diagnostic set. Badly.
## Why it failed
It used lexical overlap as a shortcut. The benchmark rewarded it.
"#,
    ),
    (
        "recsys-baselines.md",
        r#"+++
id = "recsys-baselines"
title = "Neural recommenders lose to tuned baselines"
year = 2019
domains = ["recommender-systems"]
causes = ["evaluation/weak-baselines"]
[[references]]
url = "https://example.org/recsys"
+++
## Use case
Top-n recommendation. For shops.
## Proposed solution
Neural collaborative filtering. Several variants.
## Outcome
Simple baselines won. Most results did not reproduce.
## Why it failed
Baselines were untuned. Evaluation was inconsistent.
"#,
    ),
];

pub(crate) struct Fixture {
    pub(crate) app: Router,
    pub(crate) state: AppState,
    _dir: tempfile::TempDir,
}

fn fixture_with(config: Config) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled()).unwrap();
    let files: Vec<(String, String)> = CASES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let (report, batch) = kb.seed(&files).unwrap().unwrap();
    assert_eq!(report.added, 3, "{:?}", batch.diagnostics);
    let state = AppState::new(Arc::new(kb), config);
    Fixture {
        app: app(state.clone()),
        state,
        _dir: dir,
    }
}

/// How many submissions wait in the moderation queue.
fn pending(f: &Fixture) -> usize {
    f.state
        .kb
        .count_submissions(notbetter_kb::SubmissionStatus::Pending)
        .unwrap()
}

pub(crate) fn fixture() -> Fixture {
    fixture_with(Config::default())
}

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: String,
}

impl Resp {
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap()
                    .split_once('=')
                    .unwrap()
                    .1
                    .to_string()
            })
    }
}

async fn send(app: &Router, req: Request<Body>) -> Resp {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub(crate) async fn get(app: &Router, uri: &str) -> Resp {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn get_with_cookie(app: &Router, uri: &str, cookie: &str) -> Resp {
    send(
        app,
        Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn post(
    app: &Router,
    uri: &str,
    cookie: &str,
    pairs: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Resp {
    let mut req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .header(header::HOST, "localhost");
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    send(app, req.body(Body::from(encode(pairs))).unwrap()).await
}

/// A CSRF cookie and token from a form page.
async fn csrf(app: &Router, uri: &str) -> (String, String) {
    let r = get(app, uri).await;
    let token = r.cookie("nb_csrf").expect("form pages set a CSRF cookie");
    (format!("nb_csrf={token}"), token)
}

fn good_form<'a>(csrf: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", title),
        ("year", "2022"),
        ("domains", "biology"),
        ("cause_other", "covariate shift, gremlins"),
        (
            "use_case",
            "Counting cells in microscope images. In two labs.",
        ),
        ("solution", "A U-Net. Trained in one lab."),
        (
            "outcome",
            "Counts were wrong in the second lab. Often by a lot.",
        ),
        (
            "investigation",
            "Staining differed between labs. The model keyed on stain colour.",
        ),
        ("ref1", "https://example.org/cells"),
        ("ref1_title", "Cell counting paper"),
        ("contributor", "A. Tester"),
        ("licence", "agree"),
        ("action", "submit"),
    ]
}

#[tokio::test]
async fn every_route_answers_with_the_right_status() {
    let f = fixture();
    let table: &[(&str, u16)] = &[
        ("/", 200),
        ("/search", 200),
        ("/search?q=shortcut&domain=healthcare&sort=year", 200),
        ("/search?q=%22unbalanced", 200),
        ("/search?q=ResNet-50%20(ImageNet)", 200),
        ("/search?year_from=abc", 400),
        ("/search?domain=NOT%20A%20SLUG", 400),
        ("/search?page=0", 400),
        ("/search?q=nothingmatchesthis", 200),
        ("/domains", 200),
        ("/domains/healthcare", 200),
        ("/domains/healthcare/medical-imaging", 200),
        ("/domains/atlantis", 404),
        ("/causes", 200),
        ("/causes/model/shortcut-learning", 200),
        ("/causes/model", 200),
        ("/causes/nope/nope", 404),
        ("/cases/xray-shortcut", 200),
        ("/cases/xray-shortcut.json", 200),
        ("/cases/xray-shortcut.bib", 200),
        ("/cases/xray-shortcut.exe", 404),
        ("/cases/no-such-case", 404),
        ("/cases/..%2F..%2Fetc%2Fpasswd", 404),
        ("/clusters", 200),
        ("/clusters/no-such-cluster", 404),
        ("/contribute", 200),
        ("/contribute/0123456789abcdef", 404),
        ("/contribute/not-an-id", 404),
        ("/review", 303),
        ("/review/login", 200),
        ("/review/0123456789abcdef", 303),
        ("/static/style.css", 200),
        ("/static/app.js", 200),
        ("/static/missing.css", 404),
        ("/healthz", 200),
        ("/export/cases.jsonl", 200),
        ("/export/cases.csv", 200),
        ("/feed.atom", 200),
        ("/no/such/page", 404),
    ];
    for (uri, want) in table {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status.as_u16(), *want, "{uri}");
    }
}

#[tokio::test]
async fn pages_have_titles_descriptions_and_security_headers() {
    let f = fixture();
    for uri in [
        "/",
        "/search?q=shortcut",
        "/domains/healthcare",
        "/causes/model/shortcut-learning",
        "/cases/xray-shortcut",
        "/clusters",
        "/contribute",
        "/no/such/page",
    ] {
        let r = get(&f.app, uri).await;
        assert!(r.body.contains("<title>"), "{uri}");
        assert!(r.body.contains("<meta name=\"description\""), "{uri}");
        let csp = r
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{uri}"
        );
        assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
        assert!(r.headers.get("referrer-policy").is_some());
        assert!(!r.body.contains("<script>"), "no inline script on {uri}");
    }
}

#[tokio::test]
async fn search_page_shows_hits_facets_and_chips() {
    let f = fixture();
    let r = get(&f.app, "/search?q=shortcut&cause=model/shortcut-learning").await;
    assert!(r.body.contains("2 cases"), "{}", r.body);
    assert!(r.body.contains("<b>shortcut</b>"));
    // Disjunctive counts: the cause facet still offers weak baselines for the query.
    assert!(r.body.contains("id=\"f-cause-model--shortcut-learning\""));
    assert!(r.body.contains("Remove filter Shortcut learning"));
    let r = get(&f.app, "/search?q=nothingmatchesthis&domain=healthcare").await;
    assert!(r.body.contains("No cases match"));
    assert!(r.body.contains("Drop some filters"));
    // Not query syntax: searched as words, and the page says how it read the text.
    let r = get(&f.app, "/search?q=%22unbalanced").await;
    assert!(
        r.body.contains("the opening quote has no closing one"),
        "{}",
        r.body
    );
    // A misspelt word is corrected from the index's own words, with the search as typed one
    // click away; a case that holds only some words says which are missing.
    let r = get(&f.app, "/search?q=shortcutt").await;
    assert!(
        r.body
            .contains("Showing results for <strong>shortcut</strong>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("<b>shortcut</b>"));
    // ("untuned" is another case's word; a word no case uses is left out, and said so.)
    let r = get(&f.app, "/search?q=hospital%20marker%20untuned%20shortcut").await;
    assert!(r.body.contains("Missing: "), "{}", r.body);
    let r = get(&f.app, "/search?q=hospital%20marker%20zebra%20shortcut").await;
    assert!(
        r.body.contains("no case uses “zebra”, so it was left out"),
        "{}",
        r.body
    );
}

/// A page's `<main>` as a reviewer can read it in a diff: one block element per line. The
/// site's frame (head, navigation, footer) is left out; it has tests of its own.
fn readable(page: &str) -> String {
    let start = page.find("<main").expect("every page has a <main>");
    let end = page.rfind("</main>").expect("and closes it") + "</main>".len();
    let main = &page[start..end];
    let mut out = String::with_capacity(main.len() * 11 / 10);
    for (i, part) in main.split('<').enumerate() {
        if i > 0 {
            let name: String = part
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let block = matches!(
                name.as_str(),
                "main"
                    | "div"
                    | "p"
                    | "ul"
                    | "ol"
                    | "li"
                    | "section"
                    | "article"
                    | "aside"
                    | "nav"
                    | "form"
                    | "fieldset"
                    | "table"
                    | "thead"
                    | "tbody"
                    | "tr"
                    | "dl"
                    | "dt"
                    | "dd"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "details"
                    | "summary"
                    | "header"
                    | "footer"
                    | "figure"
                    | "svg"
                    | "label"
                    | "input"
                    | "button"
                    | "select"
            );
            if block && !part.starts_with('/') {
                out.push('\n');
            }
            out.push('<');
        }
        out.push_str(part);
    }
    out.trim_start().to_string()
}

/// Snapshots of key pages (their `<main>`, one block per line, stored times redacted) and of
/// the OpenAPI document.
#[tokio::test]
async fn snapshots_of_key_pages() {
    let f = fixture();
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[time]");
    settings.add_filter(r"[0-9a-f]{64}", "[token]");
    let _guard = settings.bind_to_scope();
    for (name, url) in [
        ("case_page", "/cases/xray-shortcut"),
        ("search_page", "/search?q=shortcut&domain=healthcare"),
        ("cause_page", "/causes/model/shortcut-learning"),
    ] {
        insta::assert_snapshot!(name, readable(&get(&f.app, url).await.body));
    }
    let openapi: serde_json::Value =
        serde_json::from_str(&get(&f.app, "/api/v1/openapi.json").await.body).unwrap();
    insta::assert_snapshot!("openapi", serde_json::to_string_pretty(&openapi).unwrap());
}
