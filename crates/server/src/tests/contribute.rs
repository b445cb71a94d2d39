//! The contribution form's defences: validation that keeps the input, CSRF and cross-site
//! posts, the honeypot, rate limits, previews that store nothing, and oversized bodies.

use axum::http::StatusCode;

use super::*;

#[tokio::test]
async fn a_validation_error_keeps_the_input() {
    let f = fixture();
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let mut form = good_form(&token, "My distinctive title <b>x</b>");
    form.retain(|(k, _)| *k != "investigation" && *k != "licence");
    let r = post(&f.app, "/contribute", &cookie, &form, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("My distinctive title &lt;b&gt;x&lt;/b&gt;"),
        "typed text is kept, escaped"
    );
    assert!(r.body.contains("Counting cells in microscope images"));
    assert!(r.body.contains("id=\"investigation-error\""));
    assert!(r.body.contains("id=\"licence-error\""));
    assert!(r.body.contains("value=\"covariate shift, gremlins\""));
    assert_eq!(pending(&f), 0);
}

#[tokio::test]
async fn csrf_is_required_and_cross_site_posts_are_refused() {
    let f = fixture();
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let form = good_form(&token, "A title");
    let no_token: Vec<_> = form.iter().filter(|(k, _)| *k != "csrf").cloned().collect();
    assert_eq!(
        post(&f.app, "/contribute", &cookie, &no_token, &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&f.app, "/contribute", "", &form, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let r = post(
        &f.app,
        "/contribute",
        &cookie,
        &form,
        &[("origin", "https://evil.example")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(
        &f.app,
        "/contribute",
        &cookie,
        &form,
        &[("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(pending(&f), 0);
    let r = post(
        &f.app,
        "/contribute",
        &cookie,
        &form,
        &[("origin", "http://localhost")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_honeypot_stores_nothing() {
    let f = fixture();
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let mut form = good_form(&token, "Spam");
    form.push(("website", "http://spam.example"));
    let r = post(&f.app, "/contribute", &cookie, &form, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Thank you"));
    assert_eq!(pending(&f), 0);
}

#[tokio::test]
async fn contributions_are_rate_limited() {
    let f = fixture_with(Config {
        contributions_per_hour: 2,
        ..Config::default()
    });
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let form = good_form(&token, "Rate limited");
    assert_eq!(
        post(&f.app, "/contribute", &cookie, &form, &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        post(&f.app, "/contribute", &cookie, &form, &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let r = post(&f.app, "/contribute", &cookie, &form, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(pending(&f), 2);
}

#[tokio::test]
async fn preview_shows_the_case_without_storing_it() {
    let f = fixture();
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let mut form = good_form(&token, "Previewed case");
    form.retain(|(k, _)| *k != "action");
    form.push(("pattern", "A model learned the lab, not the cells."));
    form.push(("action", "preview"));
    let r = post(&f.app, "/contribute", &cookie, &form, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Preview"));
    assert!(r.body.contains("<h4>The pattern in any field</h4>"));
    assert!(r
        .body
        .contains("<p>A model learned the lab, not the cells.</p>"));
    assert!(
        r.body.contains("Distribution shift"),
        "aliases are normalised in the preview"
    );
    assert!(r.body.contains("gremlins"), "unmapped labels are shown");
    assert_eq!(pending(&f), 0);
    // A label mapped by a looser rule is shown as such, with its raw text, rule and
    // confidence, for a person to confirm.
    let mut form = good_form(&token, "Previewed case");
    form.retain(|(k, _)| *k != "action" && *k != "cause_other");
    form.push(("cause_other", "covariate shift across sites"));
    form.push(("action", "preview"));
    let r = post(&f.app, "/contribute", &cookie, &form, &[]).await;
    assert!(
        r.body
            .contains("(matched from “covariate shift across sites”: contains"),
        "{}",
        r.body
    );
    // A name with a qualifier is shown as matched by its name, whatever the qualifier names.
    let mut form = good_form(&token, "Previewed case");
    form.retain(|(k, _)| *k != "action" && *k != "cause_other");
    form.push((
        "cause_other",
        "data:label_quality (outcomes confounded by treatment)",
    ));
    form.push(("action", "preview"));
    let r = post(&f.app, "/contribute", &cookie, &form, &[]).await;
    assert!(
        r.body.contains(
            "(matched from “data:label_quality (outcomes confounded by treatment)”: contains, 90% sure)"
        ),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let f = fixture();
    let big = "a".repeat(crate::BODY_LIMIT + 10);
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let r = post(
        &f.app,
        "/contribute",
        &cookie,
        &[("csrf", &token), ("title", &big)],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}
