//! Moderation tests: reviewer login, lockout and rate limits, approval into the index and
//! the clusters, and rejection one by one or in bulk.

use axum::http::{header, StatusCode};

use super::*;

async fn login(f: &Fixture, name: &str, password: &str) -> Resp {
    let (cookie, token) = csrf(&f.app, "/review/login").await;
    post(
        &f.app,
        "/review/login",
        &cookie,
        &[("csrf", &token), ("name", name), ("password", password)],
        &[],
    )
    .await
}

/// A contributed case's pattern in any field.
const PATTERN: &str =
    "The counter learned how one lab stains its slides, not what a cell looks like.";

fn add_reviewer(f: &Fixture) {
    let hash = crate::hash_password("a long enough password").unwrap();
    f.state.kb.add_user("rita", "reviewer", &hash).unwrap();
}

#[tokio::test]
async fn a_pending_case_is_hidden_until_approved_then_searchable() {
    let f = fixture();
    add_reviewer(&f);
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let mut form = good_form(&token, "Zebra stripes confuse the cell counter");
    form.push(("pattern", PATTERN));
    let r = post(&f.app, "/contribute", &cookie, &form, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let status_url = r
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let public_id = status_url.rsplit('/').next().unwrap().to_string();
    assert!(get(&f.app, &status_url).await.body.contains("pending"));
    assert!(get(&f.app, "/search?q=zebra")
        .await
        .body
        .contains("0 cases"));

    let r = login(&f, "rita", "a long enough password").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let set_cookie = r
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let session = format!("nb_session={}", r.cookie("nb_session").unwrap());
    let queue = get_with_cookie(&f.app, "/review", &session).await;
    assert!(queue.body.contains("Zebra stripes"));
    let item = get_with_cookie(&f.app, &format!("/review/{public_id}"), &session).await;
    assert_eq!(item.status, StatusCode::OK);
    assert!(
        item.body.contains("gremlins"),
        "unmapped labels are shown to the reviewer"
    );
    assert!(
        item.body.contains(PATTERN),
        "the pattern in any field is kept for the reviewer"
    );
    let token = item.cookie("nb_csrf").unwrap();
    let cookies = format!("{session}; nb_csrf={token}");
    let mut form = good_form(&token, "Zebra stripes confuse the cell counter");
    form.retain(|(k, _)| *k != "action" && *k != "cause_other");
    form.push(("causes", "data/distribution-shift"));
    form.push(("pattern", PATTERN));
    form.push(("action", "approve"));
    let trips = f.state.trips();
    let r = post(
        &f.app,
        &format!("/review/{public_id}"),
        &cookies,
        &form,
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.headers.get(header::LOCATION).unwrap(),
        "/cases/zebra-stripes-confuse-the-cell-counter"
    );
    // The reviewer's session, then reading and approving the submission in one trip.
    assert_eq!(f.state.trips() - trips, 2);

    let hits = get(&f.app, "/search?q=zebra").await;
    assert!(
        hits.body.contains("1 case"),
        "approved cases are searchable at once"
    );
    let case = get(&f.app, "/cases/zebra-stripes-confuse-the-cell-counter.json").await;
    let json: serde_json::Value = serde_json::from_str(&case.body).unwrap();
    assert_eq!(json["source"], "contributed");
    assert_eq!(json["contributor"], "A. Tester");
    assert_eq!(json["pattern"], PATTERN);
    let page = get(&f.app, "/cases/zebra-stripes-confuse-the-cell-counter").await;
    assert!(page.body.contains("<h2>The pattern in any field</h2>"));
    assert!(page.body.contains(PATTERN));
    assert!(json["provenance"]
        .as_str()
        .unwrap()
        .contains("approved by rita"));
    assert!(get(&f.app, &status_url).await.body.contains("approved"));

    // The approved case joins a cluster without a restart: clusters are recomputed in the
    // background after the approval.
    let mut joined = false;
    for _ in 0..100 {
        let page = get(&f.app, "/cases/zebra-stripes-confuse-the-cell-counter").await;
        if page.body.contains("Part of the cluster") {
            joined = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(joined, "the approved case joined a cluster");
}

#[tokio::test]
async fn reviewers_reject_one_or_in_bulk() {
    let f = fixture();
    add_reviewer(&f);
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    for title in ["Spam one", "Spam two"] {
        assert_eq!(
            post(
                &f.app,
                "/contribute",
                &cookie,
                &good_form(&token, title),
                &[]
            )
            .await
            .status,
            StatusCode::SEE_OTHER
        );
    }
    let pending = f
        .state
        .kb
        .submissions(notbetter_kb::SubmissionStatus::Pending, 10)
        .unwrap();
    let r = login(&f, "rita", "a long enough password").await;
    let session = format!("nb_session={}", r.cookie("nb_session").unwrap());
    let page = get_with_cookie(&f.app, "/review", &session).await;
    let token = page.cookie("nb_csrf").unwrap();
    let cookies = format!("{session}; nb_csrf={token}");
    let r = post(
        &f.app,
        "/review",
        &cookies,
        &[
            ("csrf", &token),
            ("ids", &pending[0].public_id),
            ("ids", &pending[1].public_id),
            ("reason", "spam"),
            ("action", "bulk_reject"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let store = &f.state.kb;
    assert_eq!(
        store
            .count_submissions(notbetter_kb::SubmissionStatus::Rejected)
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .submission(&pending[0].public_id)
            .unwrap()
            .unwrap()
            .reason
            .as_deref(),
        Some("spam")
    );
}

#[tokio::test]
async fn logins_lock_out_after_repeated_failures() {
    let f = fixture_with(Config {
        lockout_after: 3,
        ..Config::default()
    });
    add_reviewer(&f);
    for _ in 0..3 {
        assert_eq!(
            login(&f, "rita", "wrong password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = login(&f, "rita", "a long enough password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("locked"));
    assert_eq!(
        login(&f, "nobody", "whatever at all").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn logins_are_rate_limited() {
    let f = fixture_with(Config {
        logins_per_minute: 2,
        ..Config::default()
    });
    login(&f, "x", "y").await;
    login(&f, "x", "y").await;
    assert_eq!(
        login(&f, "x", "y").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn deciding_a_submission_another_reviewer_decided_is_a_409() {
    let f = fixture();
    add_reviewer(&f);
    let (cookie, token) = csrf(&f.app, "/contribute").await;
    let r = post(
        &f.app,
        "/contribute",
        &cookie,
        &good_form(&token, "Decided twice"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let public_id = f
        .state
        .kb
        .submissions(notbetter_kb::SubmissionStatus::Pending, 10)
        .unwrap()[0]
        .public_id
        .clone();
    let r = login(&f, "rita", "a long enough password").await;
    let session = format!("nb_session={}", r.cookie("nb_session").unwrap());
    let page = get_with_cookie(&f.app, &format!("/review/{public_id}"), &session).await;
    let token = page.cookie("nb_csrf").unwrap();
    let cookies = format!("{session}; nb_csrf={token}");
    // Meanwhile another reviewer rejects it.
    f.state.kb.reject(&public_id, "sam", "duplicate").unwrap();
    for action in ["approve", "reject", "save"] {
        let mut form = good_form(&token, "Decided twice");
        form.retain(|(k, _)| *k != "action");
        form.push(("action", action));
        let r = post(
            &f.app,
            &format!("/review/{public_id}"),
            &cookies,
            &form,
            &[],
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{action}: {}", r.body);
        assert!(r.body.contains("already been decided"), "{}", r.body);
    }
    let sub = f.state.kb.submission(&public_id).unwrap().unwrap();
    assert_eq!(
        sub.reason.as_deref(),
        Some("duplicate"),
        "the first decision stands"
    );
    assert!(f.state.kb.get("decided-twice").unwrap().is_none());
}
