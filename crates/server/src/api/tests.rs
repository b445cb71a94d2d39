//! API tests: every endpoint's status codes, problem documents, CORS, and every real response
//! validated against the schema in the generated OpenAPI document.

use serde_json::{json, Value};

use crate::tests::{fixture, get};

/// Validates `instance` against the schema of a response in the OpenAPI document.
fn validate(doc: &Value, path: &str, status: &str, instance: &Value) {
    let content = &doc["paths"][path]["get"]["responses"][status]["content"];
    let media = content
        .as_object()
        .and_then(|m| m.values().next())
        .unwrap_or_else(|| panic!("no documented {status} response for {path}"));
    let mut schema = media["schema"].clone();
    // Let `#/components/schemas/...` references resolve inside this one document.
    schema
        .as_object_mut()
        .unwrap()
        .insert("components".into(), doc["components"].clone());
    let validator =
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("bad schema for {path}: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{path} {status} does not match its schema:\n{}",
        errors.join("\n")
    );
}

#[tokio::test]
async fn responses_match_the_openapi_document() {
    let f = fixture();
    let doc: Value = serde_json::from_str(&get(&f.app, "/api/v1/openapi.json").await.body).unwrap();
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.1")),
        Some(true)
    );
    let table: &[(&str, &str, &str)] = &[
        (
            "/api/v1/search?q=shortcut&domain=healthcare&limit=5",
            "/api/v1/search",
            "200",
        ),
        ("/api/v1/search", "/api/v1/search", "200"),
        // Text that is not query syntax is searched as words (with a note), not refused.
        ("/api/v1/search?q=%22unbalanced", "/api/v1/search", "200"),
        (
            "/api/v1/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
            "/api/v1/search",
            "200",
        ),
        ("/api/v1/search?limit=1000", "/api/v1/search", "400"),
        ("/api/v1/search?year_from=soon", "/api/v1/search", "400"),
        ("/api/v1/cases/xray-shortcut", "/api/v1/cases/{id}", "200"),
        ("/api/v1/cases/missing", "/api/v1/cases/{id}", "404"),
        (
            "/api/v1/cases/xray-shortcut/revisions",
            "/api/v1/cases/{id}/revisions",
            "200",
        ),
        (
            "/api/v1/cases/missing/revisions",
            "/api/v1/cases/{id}/revisions",
            "404",
        ),
        ("/api/v1/taxonomy", "/api/v1/taxonomy", "200"),
        ("/api/v1/domains", "/api/v1/domains", "200"),
        (
            "/api/v1/domains/healthcare/medical-imaging",
            "/api/v1/domains/{slug}",
            "200",
        ),
        ("/api/v1/domains/atlantis", "/api/v1/domains/{slug}", "404"),
        ("/api/v1/causes", "/api/v1/causes", "200"),
        (
            "/api/v1/causes/model/shortcut-learning",
            "/api/v1/causes/{slug}",
            "200",
        ),
        ("/api/v1/stats", "/api/v1/stats", "200"),
        ("/api/v1/clusters", "/api/v1/clusters", "200"),
        ("/api/v1/clusters/nope", "/api/v1/clusters/{id}", "404"),
        (
            "/api/v1/cases/xray-shortcut/similar?limit=2",
            "/api/v1/cases/{id}/similar",
            "200",
        ),
        (
            "/api/v1/cases/xray-shortcut/similar?limit=0",
            "/api/v1/cases/{id}/similar",
            "400",
        ),
        (
            "/api/v1/cases/missing/similar",
            "/api/v1/cases/{id}/similar",
            "404",
        ),
    ];
    for (uri, path, status) in table {
        let r = get(&f.app, uri).await;
        assert_eq!(r.status.as_str(), *status, "{uri}: {}", r.body);
        let body: Value =
            serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{uri}: not JSON ({e})"));
        validate(&doc, path, status, &body);
        if *status != "200" {
            assert_eq!(
                r.headers["content-type"], "application/problem+json",
                "{uri}"
            );
            assert_eq!(body["status"], json!(status.parse::<u16>().unwrap()));
        }
    }
}

#[tokio::test]
async fn search_api_has_the_cli_shape_and_cors() {
    let f = fixture();
    let r = get(
        &f.app,
        "/api/v1/search?q=shortcut&cause=model/shortcut-learning",
    )
    .await;
    assert_eq!(r.headers["access-control-allow-origin"], "*");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["total"], 2);
    assert_eq!(body["facets"]["domain"]["healthcare"], 1);
    // Snippets are plain text with the matches as character ranges.
    let snippet = &body["hits"][0]["snippet"];
    let text = snippet["text"].as_str().unwrap();
    assert!(!text.contains('<'), "{text}");
    let chars: Vec<char> = text.chars().collect();
    let marked: Vec<String> = snippet["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let (a, b) = (
                r[0].as_u64().unwrap() as usize,
                r[1].as_u64().unwrap() as usize,
            );
            chars[a..b].iter().collect::<String>().to_lowercase()
        })
        .collect();
    assert!(
        marked.iter().any(|m| m.starts_with("shortcut")),
        "{snippet}"
    );
    let stats: Value = serde_json::from_str(&get(&f.app, "/api/v1/stats").await.body).unwrap();
    assert_eq!(stats["cases"], 3);
    assert_eq!(stats["matrix"]["healthcare"]["model/shortcut-learning"], 1);
    assert_eq!(
        get(&f.app, "/api/v1/nothing-here").await.status.as_u16(),
        404
    );
}

#[tokio::test]
async fn pages_link_their_json_alternates() {
    let f = fixture();
    let r = get(&f.app, "/cases/xray-shortcut").await;
    assert!(r.body.contains(
        "rel=\"alternate\" type=\"application/json\" href=\"/cases/xray-shortcut.json\""
    ));
}

#[tokio::test]
async fn clusters_api_lists_cross_domain_clusters_and_finds_each() {
    let f = fixture();
    let list: Value = serde_json::from_str(&get(&f.app, "/api/v1/clusters").await.body).unwrap();
    let list = list.as_array().unwrap();
    // The two shortcut cases come from healthcare and language technology.
    let shortcut = list
        .iter()
        .find(|c| {
            c["members"]
                .as_array()
                .unwrap()
                .contains(&json!("xray-shortcut"))
        })
        .expect("the shortcut cluster spans two domains and is listed");
    assert_eq!(shortcut["cause"], "model/shortcut-learning");
    assert_eq!(shortcut["size"], 2);
    assert_eq!(
        shortcut["domains"],
        json!(["healthcare", "language-technology"])
    );
    let id = shortcut["id"].as_str().unwrap();
    let one: Value =
        serde_json::from_str(&get(&f.app, &format!("/api/v1/clusters/{id}")).await.body).unwrap();
    assert_eq!(one["id"], json!(id));
    let page = get(&f.app, &format!("/clusters/{id}")).await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.body.contains("Inference models learn word overlap"));
    let case = get(&f.app, "/cases/xray-shortcut").await;
    assert!(case.body.contains("This failure elsewhere"));
    assert!(case.body.contains(&format!("/clusters/{id}")));
}

#[tokio::test]
async fn the_api_filters_by_method_and_shows_review_and_evidence() {
    let f = fixture();
    let r = get(&f.app, "/api/v1/search?method=cnn").await;
    assert_eq!(r.status.as_str(), "200", "{}", r.body);
    let j: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["total"], 1);
    assert_eq!(j["hits"][0]["id"], "xray-shortcut");
    assert_eq!(j["facets"]["method"], json!({ "cnn": 1, "transformer": 1 }));
    let either: Value = serde_json::from_str(
        &get(&f.app, "/api/v1/search?method=cnn&method=transformer")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(either["total"], 2);

    let c: Value =
        serde_json::from_str(&get(&f.app, "/api/v1/cases/xray-shortcut").await.body).unwrap();
    assert_eq!(c["methods"][0]["value"], "cnn");
    assert_eq!(
        c["evidence"],
        json!({
            "code_available": "yes",
            "data_available": "no",
            "external_validation": "unknown",
            "unknown_reason": "the paper does not say where it was tested"
        })
    );
    assert_eq!(c["review"]["date"], "2025-06-01");
    assert_eq!(c["review"]["verdict"], "confirmed");
    assert_eq!(
        c["review"]["links"],
        json!([
            "https://doi.org/10.5555/xray",
            "https://arxiv.org/abs/2104.01234"
        ])
    );
    let bare: Value =
        serde_json::from_str(&get(&f.app, "/api/v1/cases/recsys-baselines").await.body).unwrap();
    assert!(bare["review"].is_null());
    assert_eq!(bare["evidence"]["code_available"], "not_stated");
    assert_eq!(bare["methods"], json!([]));

    let t: Value = serde_json::from_str(&get(&f.app, "/api/v1/taxonomy").await.body).unwrap();
    let cnn = t["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["slug"] == "cnn")
        .unwrap();
    assert_eq!(cnn["cases"], 1);
}
