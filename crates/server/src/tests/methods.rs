//! Methods, reviews and evidence on the site: the case page shows them, the search page and
//! the API filter and count by method.

use super::*;

#[tokio::test]
async fn the_case_page_shows_methods_review_and_every_evidence_fact() {
    let f = fixture();
    let body = get(&f.app, "/cases/xray-shortcut").await.body;
    for needle in [
        r#"<span class="label-kind">Methods </span><a class="chip method" href="/search?method=cnn" title="cnn">Convolutional network</a>"#,
        r#"Reviewed on <time datetime="2025-06-01">2025-06-01</time> against <a href="https://doi.org/10.5555/xray" rel="nofollow noopener">https://doi.org/10.5555/xray</a>, <a href="https://arxiv.org/abs/2104.01234" rel="nofollow noopener">arXiv:2104.01234</a>: <strong class="verdict">confirmed</strong>."#,
        "title, year and the shortcut checked against the abstract",
        "<dt>Code released</dt><dd>yes</dd>",
        "<dt>Data released</dt><dd>no</dd>",
        "<dt>Validated externally</dt><dd>unknown: the source does not say</dd>",
        "<dt>Why unknown</dt><dd>the paper does not say where it was tested</dd>",
    ] {
        assert!(body.contains(needle), "{needle}\n{body}");
    }
    let bare = get(&f.app, "/cases/recsys-baselines").await.body;
    assert!(bare.contains("Not yet reviewed against its primary sources."));
    assert!(bare.contains("<dt>Code released</dt><dd>not stated</dd>"));
    assert!(!bare.contains("Methods "));
}

#[tokio::test]
async fn the_search_page_filters_and_counts_by_method() {
    let f = fixture();
    let r = get(&f.app, "/search?method=transformer").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("/cases/nli-overlap"), "{}", r.body);
    assert!(!r.body.contains("/cases/xray-shortcut\""), "{}", r.body);
    assert!(r.body.contains("<legend>Method</legend>"), "{}", r.body);
    // Disjunctive: the other method still shows what it would add.
    assert!(
        r.body
            .contains(r#"<input type="checkbox" id="f-method-cnn" name="method" value="cnn">"#),
        "{}",
        r.body
    );
    assert!(r
        .body
        .contains(r#"id="f-method-transformer" name="method" value="transformer" checked>"#));
    let bad = get(&f.app, "/search?method=Not%20A%20Slug").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
