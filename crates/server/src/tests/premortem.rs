//! The pre-mortem on the site: the form works without JavaScript, the page and the API give
//! the same checklist for the same description, bad input is a 400 (never a 500), and the
//! Markdown download carries the checklist.

use super::*;

const PLAN: &str = "We will train a network on chest x-rays from one hospital, where hospital markers and laterality tokens appear on the images, and deploy it at other hospitals.";

async fn post_json(app: &Router, uri: &str, body: &str) -> Resp {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "localhost")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

#[tokio::test]
async fn the_page_and_the_api_give_the_same_checklist() {
    let f = fixture();
    let form = get(&f.app, "/premortem").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form
        .body
        .contains("<textarea id=\"description\" name=\"description\""));
    // Cluster pages prefill it.
    let pre = get(&f.app, "/premortem?description=hospital%20markers").await;
    assert!(
        pre.body.contains(">hospital markers</textarea>"),
        "{}",
        pre.body
    );

    let api = post_json(
        &f.app,
        "/api/v1/premortem",
        &serde_json::json!({ "description": PLAN }).to_string(),
    )
    .await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let causes: Vec<&str> = json["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cause"].as_str().unwrap())
        .collect();
    assert!(causes.contains(&"model/shortcut-learning"), "{causes:?}");
    let first = &json["causes"][0];
    assert!(
        !first["precedents"].as_array().unwrap().is_empty(),
        "{first}"
    );
    // A precedent carries the first sentence of its pattern in any field.
    let xray = json["causes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["precedents"].as_array().unwrap())
        .find(|p| p["id"] == "xray-shortcut")
        .expect("the x-ray case is a precedent");
    assert_eq!(
        xray["pattern"],
        "The model read a mark of where each input came from."
    );

    let page = post(
        &f.app,
        "/premortem",
        "",
        &[("description", PLAN), ("domain", "")],
        &[],
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The same causes in the same order.
    let mut at = 0;
    for c in &causes {
        let needle = format!("href=\"/causes/{c}\"");
        let pos = page.body[at..]
            .find(&needle)
            .unwrap_or_else(|| panic!("{c} missing or out of order"));
        at += pos + needle.len();
    }
    assert!(page.body.contains("What to check before building") || causes.is_empty());
    assert!(page
        .body
        .contains("In any field: The model read a mark of where each input came from."));

    let md = post(
        &f.app,
        "/premortem",
        "",
        &[("description", PLAN), ("format", "md")],
        &[],
    )
    .await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/markdown"));
    assert!(md.body.starts_with("# Pre-mortem checklist"), "{}", md.body);
    assert!(
        md.body
            .contains(" In any field: The model read a mark of where each input came from."),
        "{}",
        md.body
    );
}

#[tokio::test]
async fn tags_and_a_domain_take_part() {
    let f = fixture();
    // A description that says little, with tags that say what it is about.
    let run = |tags: &'static str| {
        let app = f.app.clone();
        async move {
            post(
                &app,
                "/premortem",
                "",
                &[
                    ("description", "We plan a model for our data."),
                    ("domain", ""),
                    ("tags", tags),
                ],
                &[],
            )
            .await
        }
    };
    // The first cause listed.
    let first = |body: &str| {
        let at = body
            .find("<li class=\"cause-item\"><h3><a href=\"/causes/")
            .expect("a cause");
        let rest = &body[at + "<li class=\"cause-item\"><h3><a href=\"/causes/".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    let bare = run("").await;
    assert_eq!(bare.status, StatusCode::OK, "{}", bare.body);
    assert_ne!(first(&bare.body), "evaluation/weak-baselines");
    let tagged =
        run("neural collaborative filtering, top-n recommendation, untuned baselines").await;
    assert_eq!(first(&tagged.body), "evaluation/weak-baselines");
    assert!(tagged.body.contains(
        "value=\"neural collaborative filtering, top-n recommendation, untuned baselines\""
    ));
    let bad = post(
        &f.app,
        "/premortem",
        "",
        &[("description", "A plan."), ("domain", "basket weaving")],
        &[],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("not a known domain"), "{}", bad.body);
}

#[tokio::test]
async fn bad_descriptions_are_400s_that_say_why() {
    let f = fixture();
    let empty = post(&f.app, "/premortem", "", &[("description", "   ")], &[]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("the description is empty"));
    let long = "word ".repeat(20_000);
    let r = post_json(
        &f.app,
        "/api/v1/premortem",
        &serde_json::json!({ "description": long }).to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("too long"));
    for body in [
        "not json",
        "{}",
        r#"{"description": 3}"#,
        r#"{"description": "x", "extra": 1}"#,
    ] {
        let r = post_json(&f.app, "/api/v1/premortem", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert!(r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json"));
    }
    let r = post_json(
        &f.app,
        "/api/v1/premortem",
        r#"{"description": "a plan", "domain": "basket weaving"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}
