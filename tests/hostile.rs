//! Hostile input against the real server: `notbetter serve` on a free loopback port, driven by a
//! raw HTTP/1.1 client (so invalid UTF-8 and malformed requests reach the server byte for byte).
//! Every form field, query parameter and API endpoint gets XSS payloads, SQL and tantivy
//! query-syntax injection, unbalanced quotes, a 10 MB body, invalid UTF-8, deeply nested JSON
//! and path traversal. Every answer must be a 4xx with a message or a 2xx that shows the input
//! escaped, never a 5xx; nothing from a rejected submission is stored; stored text renders
//! escaped.

use crate::live::{encode, Reply, Server};

/// Text payloads: XSS in text, attributes and URLs, SQL and tantivy syntax, unbalanced quotes.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "[click](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "' OR '1'='1' --",
    "'; DROP TABLE cases; --",
    "\" OR \"\"=\"",
    "1 UNION SELECT password_hash FROM users",
    "title:*",
    "/:*",
    "nosuchfield:*",
    "*:*",
    "id:/.*/",
    "year:[2000 TO",
    "(((shift",
    "shift AND OR NOT",
    "\"unbalanced",
    "'unbalanced",
    "\\",
    "+-~^",
    "a~99999",
    "field:\"x",
    "\u{0}\u{1}\u{7f}",
    "💥\u{202e}rtl",
];

/// What must hold for every reply.
fn check_reply(method: &str, target: &str, r: &Reply) {
    let body = r.text();
    assert!(
        r.status < 500,
        "{method} {target}: {} (a 5xx)\n{}",
        r.status,
        &body[..body.len().min(500)]
    );
    if (400..500).contains(&r.status) && r.status != 405 {
        assert!(
            body.trim().len() >= 5,
            "{method} {target}: {} without a message",
            r.status
        );
    }
    assert!(!body.contains("panicked"), "{method} {target}: {body}");
    if r.is_html() {
        assert_no_live_markup(&format!("{method} {target}"), &body);
    }
}

/// No payload turned into live markup: raw payloads with `<` never appear, and no attribute
/// holds a `javascript:` URL.
fn assert_no_live_markup(what: &str, body: &str) {
    for p in PAYLOADS.iter().filter(|p| p.contains('<')) {
        assert!(
            !body.contains(p),
            "{what}: the payload {p:?} is not escaped"
        );
    }
    let lower = body.to_ascii_lowercase();
    for bad in [
        "href=\"javascript:",
        "src=\"javascript:",
        "href='javascript:",
        "href=javascript:",
        "<script>alert",
        "onerror=alert",
        "onload=alert",
        "onmouseover=alert",
        "<iframe",
    ] {
        // Escaped text (`&lt;img src=x onerror=alert(1)&gt;`) and quoted attribute values
        // (maud writes `"` as `&quot;`) are fine; a tag or an attribute of its own is not.
        for (i, _) in lower.match_indices(bad) {
            let before = &lower[..i];
            let in_tag = match (before.rfind('<'), before.rfind('>')) {
                (Some(o), Some(c)) => o > c,
                (Some(_), None) => true,
                _ => false,
            };
            let live = bad.starts_with('<')
                || in_tag && before[before.rfind('<').unwrap()..].matches('"').count() % 2 == 0;
            assert!(
                !live,
                "{what}: live markup {bad:?} near {:?}",
                String::from_utf8_lossy(
                    &body.as_bytes()[i.saturating_sub(80)..(i + 80).min(body.len())]
                )
            );
        }
    }
}

/// A contribution that passes validation, with `title` and hostile text in every free field.
fn hostile_form<'a>(token: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", token),
        ("title", title),
        ("year", "2021"),
        ("domains", "biology"),
        ("domain_other", "<script>alert(1)</script>"),
        (
            "cause_other",
            "covariate shift, \"><img src=x onerror=alert(1)>",
        ),
        (
            "tags",
            "<a href=\"javascript:alert(1)\">x</a>; '; DROP TABLE cases; --",
        ),
        (
            "use_case",
            "Counting cells. [click](javascript:alert(1)) and <script>alert(1)</script> too.",
        ),
        (
            "solution",
            "A U-Net. '><svg/onload=alert(1)> <a href=\"javascript:alert(1)\">x</a>",
        ),
        (
            "outcome",
            "Counts were wrong. \"><img src=x onerror=alert(1)> ' OR '1'='1' --",
        ),
        (
            "investigation",
            "Staining differed. <iframe src=\"javascript:alert(1)\"></iframe> \"unbalanced",
        ),
        (
            "lessons",
            "Check [this](javascript:alert(1)). <b onmouseover=alert(1)>b</b>",
        ),
        ("ref1", "https://example.org/cells?q=%3Cscript%3E"),
        ("ref1_title", "<script>alert(1)</script>"),
        ("contributor", "'><svg/onload=alert(1)>"),
        ("licence", "agree"),
        ("action", "submit"),
    ]
}

#[test]
fn hostile_input_never_gives_a_5xx_or_stores_rejected_text() {
    let mut s = Server::start(&[]);
    s.check = check_reply;
    let cases_before = s.store().count().unwrap();

    // --- Query parameters of /search and /api/v1/search. ---
    let params = [
        "q",
        "domain",
        "cause",
        "inferred_cause",
        "failure_mode",
        "source",
        "year_from",
        "year_to",
        "sort",
        "page",
        "limit",
    ];
    for path in ["/search", "/api/v1/search"] {
        for param in params {
            for p in PAYLOADS {
                let r = s.get(&format!("{path}?{param}={}", encode(p)));
                if path.starts_with("/api") && r.status >= 400 {
                    let json: serde_json::Value = serde_json::from_slice(&r.body)
                        .unwrap_or_else(|_| panic!("{path}?{param}={p:?}: error is not JSON"));
                    assert!(json.to_string().len() > 10, "{json}");
                }
            }
            // Invalid UTF-8, percent-encoded and raw.
            s.get(&format!("{path}?{param}=%FF%FE%C3%28"));
            // Raw bytes above 0x7f are not allowed in a request target: the HTTP parser
            // refuses them with a bare 400 before the application sees the request.
            let mut line = format!("GET {path}?{param}=").into_bytes();
            line.extend_from_slice(b"\xff\xfe\xc3\x28 HTTP/1.1\r\n");
            let r = s.try_request(&line, &[], b"").unwrap();
            assert_eq!(r.status, 400, "raw invalid UTF-8 in {path}?{param}");
            // A long parameter (a 10 MB URL is refused by the HTTP layer; this is past the
            // query-length limit).
            s.get(&format!("{path}?{param}={}", "a".repeat(20_000)));
        }
        // Repeated and odd parameters.
        s.get(&format!(
            "{path}?q=a&q=b&domain=&domain=%00&sort=&page=-1&limit=0"
        ));
        s.get(&format!("{path}?page=99999999999999999999&limit=101"));
        s.get(&format!("{path}?{}", "domain=healthcare&".repeat(500)));
    }
    // Query text in every position a user can type it, shown back escaped.
    let r = s.get(&format!(
        "/search?q={}",
        encode("<script>alert(1)</script>")
    ));
    assert!(r.status == 200 || r.status == 400, "{}", r.status);
    assert!(r.text().contains("&lt;script&gt;alert(1)&lt;/script&gt;"));

    // --- Every GET endpoint of the API and the pages, with hostile path segments. ---
    let traversal = [
        "/cases/..%2f..%2fetc%2fpasswd",
        "/cases/..%2F..%2FCargo.toml",
        "/cases/%2e%2e",
        "/cases/..%2f..%2fetc%2fpasswd.json",
        "/api/v1/cases/..%2F..",
        "/api/v1/cases/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/cases/..%2F../revisions",
        "/api/v1/cases/..%2F../similar",
        "/api/v1/domains/..%2F..%2F..",
        "/api/v1/causes/../../etc/passwd",
        "/api/v1/clusters/..%2F..",
        "/static/..%2fCargo.toml",
        "/static/..%2F..%2FCargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/../Cargo.toml",
        "/static/....//Cargo.toml",
        "/domains/..%2f..%2fetc%2fpasswd",
        "/causes/..%2f..",
        "/clusters/..%2f..",
        "/contribute/..%2f..%2fetc",
        "/review/..%2f..%2fetc",
        "/feed.atom/..%2f..",
    ];
    for t in traversal {
        let r = s.get(t);
        let body = r.text();
        assert!(
            !body.contains("[workspace]") && !body.contains("root:x:0"),
            "{t} leaked a file"
        );
    }
    for p in PAYLOADS {
        let seg = encode(p);
        for t in [
            format!("/cases/{seg}"),
            format!("/cases/{seg}.json"),
            format!("/api/v1/cases/{seg}"),
            format!("/api/v1/cases/{seg}/revisions"),
            format!("/api/v1/cases/{seg}/similar?limit={seg}"),
            format!("/api/v1/domains/{seg}"),
            format!("/api/v1/causes/{seg}"),
            format!("/api/v1/clusters/{seg}"),
            format!("/domains/{seg}"),
            format!("/causes/{seg}"),
            format!("/clusters/{seg}"),
            format!("/contribute/{seg}"),
            format!("/static/{seg}"),
        ] {
            s.get(&t);
        }
    }
    for t in [
        "/api/v1/taxonomy",
        "/api/v1/domains",
        "/api/v1/causes",
        "/api/v1/stats",
        "/api/v1/clusters",
        "/api/v1/openapi.json",
    ] {
        assert_eq!(
            s.get(&format!("{t}?x=%FF&{}", encode(PAYLOADS[0]))).status,
            200,
            "{t}"
        );
    }

    // --- JSON bodies: no endpoint accepts JSON, so deep nesting is refused, not parsed. ---
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_obj = format!("{}{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    for target in [
        "/api/v1/search",
        "/api/v1/cases/x",
        "/contribute",
        "/review/login",
        "/review",
    ] {
        for body in [&deep, &deep_obj] {
            let r = s.request(
                "POST",
                target.as_bytes(),
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            );
            let to_login = r
                .header("location")
                .is_some_and(|l| l.contains("/review/login"));
            assert!(
                (400..500).contains(&r.status) || r.status == 303 && to_login,
                "{target}: {}",
                r.status
            );
        }
    }

    // --- Form fields of /contribute and /review/login. ---
    let (cookie, token) = s.csrf("/contribute");
    let fields = [
        "title",
        "year",
        "domains",
        "domain_other",
        "causes",
        "cause_other",
        "failure_modes",
        "tags",
        "use_case",
        "solution",
        "outcome",
        "investigation",
        "lessons",
        "ref1",
        "ref1_title",
        "ref2",
        "contributor",
        "licence",
        "action",
        "csrf",
        "website",
    ];
    let mut rejected_marker = 0;
    for field in fields {
        for p in PAYLOADS {
            // Alone (rejected: the form is incomplete), and as a preview of a valid form.
            let r = s.post_form("/contribute", &cookie, &[("csrf", &token), (field, p)]);
            assert!(r.status >= 400 || r.status == 200, "{field}: {}", r.status);
            let mut form = hostile_form(&token, "Preview only REJECTEDMARKER");
            form.retain(|(k, _)| *k != field && *k != "action");
            // The first `action` counts, so this stays a preview when the field is `action`.
            form.push(("action", "preview"));
            form.push((field, p));
            s.post_form("/contribute", &cookie, &form);
            rejected_marker += 1;
        }
        // Invalid UTF-8 in the body, percent-encoded and raw.
        for body in [
            format!("csrf={token}&{field}=%FF%FE&action=submit").into_bytes(),
            [
                format!("csrf={token}&{field}=").as_bytes(),
                b"\xff\xfe\xc3\x28",
            ]
            .concat(),
        ] {
            let r = s.request(
                "POST",
                b"/contribute",
                &[
                    ("Cookie", &cookie),
                    ("Content-Type", "application/x-www-form-urlencoded"),
                ],
                &body,
            );
            assert!(r.status >= 400 || r.status == 200, "{field}: {}", r.status);
        }
    }
    // Invalid references and other invalid-but-hostile submissions are refused and not stored.
    for (field, value) in [
        ("ref1", "javascript:alert(1)"),
        ("ref1", "data:text/html,<script>alert(1)</script>"),
        ("year", "2021'; DROP TABLE cases; --"),
        ("licence", "<script>"),
        ("title", ""),
    ] {
        let mut form = hostile_form(&token, "Refused hostile REJECTEDMARKER");
        form.retain(|(k, _)| *k != field);
        form.push((field, value));
        let r = s.post_form("/contribute", &cookie, &form);
        assert_eq!(r.status, 422, "{field}={value:?} was accepted");
        assert!(r.text().contains("error"), "a refusal says why");
    }
    for field in ["name", "password", "csrf"] {
        // Two payloads per field: logins are rate-limited (10 a minute per IP) and the real
        // login below must still get through.
        for p in [PAYLOADS[1], PAYLOADS[6]] {
            let (lc, lt) = s.csrf("/review/login");
            let mut form = vec![
                ("csrf", lt.as_str()),
                ("name", "nobody"),
                ("password", "wrong but long"),
            ];
            form.retain(|(k, _)| *k != field);
            form.push((field, p));
            let r = s.post_form("/review/login", &lc, &form);
            assert!(r.cookie("nb_session").is_none(), "{field}={p:?} logged in");
        }
    }
    // 10 MB bodies are refused before they are read.
    let big = vec![b'a'; 10 * 1024 * 1024];
    for target in [
        "/contribute",
        "/review/login",
        "/review",
        "/review/0123456789abcdef",
    ] {
        let mut body = format!("csrf={token}&title=").into_bytes();
        body.extend_from_slice(&big);
        let r = s.request(
            "POST",
            target.as_bytes(),
            &[
                ("Cookie", &cookie),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &body,
        );
        // Moderation routes redirect to the login before reading the body.
        let to_login = r
            .header("location")
            .is_some_and(|l| l.contains("/review/login"));
        assert!(
            (400..500).contains(&r.status) || r.status == 303 && to_login,
            "{target}: {} {:?}",
            r.status,
            r.header("location")
        );
    }
    // A 10 MB query string is refused by the HTTP layer (or the connection is closed), never
    // answered with a 5xx.
    let long = format!(
        "GET /search?q={} HTTP/1.1\r\n",
        "a".repeat(10 * 1024 * 1024)
    );
    if let Ok(r) = s.try_request(long.as_bytes(), &[], b"") {
        assert!((400..500).contains(&r.status), "10 MB URL: {}", r.status);
    }

    // Nothing from the rejected submissions reached the store.
    let stored = s.submissions();
    assert!(
        stored.is_empty(),
        "rejected or preview-only submissions were stored ({rejected_marker} previews sent): {:?}",
        stored.iter().map(|s| &s.doc).collect::<Vec<_>>()
    );
    assert_eq!(s.store().count().unwrap(), cases_before);

    // --- A hostile but valid contribution is stored verbatim and rendered escaped. ---
    let title = "Hostile <script>alert(1)</script> \"><img src=x onerror=alert(1)> cells";
    let r = s.post_form("/contribute", &cookie, &hostile_form(&token, title));
    assert_eq!(r.status, 303, "{}", r.text());
    let status_url = r.header("location").unwrap().to_string();
    let public_id = status_url.rsplit('/').next().unwrap().to_string();
    let subs = s.submissions();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].title, title, "stored verbatim");
    let page = s.get(&status_url);
    assert!(page
        .text()
        .contains("Hostile &lt;script&gt;alert(1)&lt;/script&gt;"));

    let session = s.login();
    let queue = s.get_with("/review", &session);
    assert!(
        queue.text().contains("Hostile &lt;script&gt;"),
        "queue escapes titles"
    );
    let item = s.get_with(&format!("/review/{public_id}"), &session);
    assert_eq!(item.status, 200);
    let token2 = item.cookie("nb_csrf").unwrap_or(token.clone());
    let review_cookie = format!("{session}; nb_csrf={token2}");
    // Hostile values in the decision form itself.
    for p in PAYLOADS.iter().take(8) {
        let r = s.post_form(
            &format!("/review/{public_id}"),
            &review_cookie,
            &[("csrf", &token2), ("action", p), ("reason", p)],
        );
        assert!(r.status < 500);
        s.post_form(
            "/review",
            &review_cookie,
            &[
                ("csrf", &token2),
                ("ids", p),
                ("reason", p),
                ("action", "bulk_reject"),
            ],
        );
    }
    let mut form = hostile_form(&token2, title);
    form.retain(|(k, _)| *k != "action");
    form.push(("causes", "data/distribution-shift"));
    form.push(("action", "approve"));
    let r = s.post_form(&format!("/review/{public_id}"), &review_cookie, &form);
    assert_eq!(r.status, 303, "approve: {}", r.text());
    let case_url = r.header("location").unwrap().to_string();
    let case_id = case_url.rsplit('/').next().unwrap().to_string();

    let page = s.get(&case_url);
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(
        html.contains("Hostile &lt;script&gt;alert(1)&lt;/script&gt;"),
        "title escaped"
    );
    assert!(html.contains("Counting cells."), "the sections are shown");
    // Escaped text may say `javascript:alert`; no attribute may hold it, and no payload tag is
    // live (the Markdown sections went through the sanitiser).
    assert_no_live_markup(&case_url, &html);
    let json = s.get(&format!("/api/v1/cases/{case_id}"));
    assert_eq!(json.status, 200);
    assert!(json
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&json.body).unwrap();
    assert_eq!(v["title"], title, "the API returns the text as stored");
    for t in [
        "/search?q=hostile".to_string(),
        "/api/v1/search?q=hostile".to_string(),
        "/feed.atom".to_string(),
        "/export/cases.csv".to_string(),
        "/causes/data/distribution-shift".to_string(),
        "/".to_string(),
    ] {
        let r = s.get(&t);
        assert_eq!(r.status, 200, "{t}");
        if t == "/feed.atom" {
            let text = r.text();
            assert!(!text.contains("<script>alert"), "the feed escapes");
        }
    }
    assert_eq!(
        s.submissions().len(),
        1,
        "only the accepted submission is stored"
    );
    assert_eq!(s.store().count().unwrap(), cases_before + 1);

    // Every reply checked on the way: no 5xx, messages on 4xx, nothing live in HTML.
    let problems = s.problems.borrow();
    assert!(
        problems.is_empty(),
        "{} bad replies:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|p| p.lines().next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
