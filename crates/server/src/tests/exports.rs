//! Export and feed tests: every case by default, exactly the search's matches when filtered,
//! a 400 for a bad parameter, and an Atom feed that parses whatever the cases hold.

use axum::http::StatusCode;

use super::*;

#[tokio::test]
async fn exports_and_feed_carry_every_case() {
    let f = fixture();
    let jsonl = get(&f.app, "/export/cases.jsonl").await;
    let lines: Vec<serde_json::Value> = jsonl
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines
        .iter()
        .any(|c| c["id"] == "xray-shortcut" && c["causes"][0] == "model/shortcut-learning"));
    let csv = get(&f.app, "/export/cases.csv").await;
    assert_eq!(
        csv.body.lines().next().map(|h| h.starts_with("id,")),
        Some(true)
    );
    assert!(csv.body.contains("recsys-baselines"));
    let atom = get(&f.app, "/feed.atom").await;
    assert!(atom.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    assert_eq!(atom.body.matches("<entry>").count(), 3);
    assert!(atom
        .body
        .contains("<title>Chest x-ray model learns the hospital</title>"));
}

/// The ids in a JSON Lines export.
fn exported_ids(body: &str) -> Vec<String> {
    let mut ids: Vec<String> = body
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn filtered_exports_hold_exactly_the_cases_the_search_counts() {
    let f = fixture();
    for params in [
        "q=shortcut&domain=healthcare",
        "q=shortcut",
        "q=hospital%20marker&cause=model/shortcut-learning",
        "domain=recommender-systems",
        "source=curated&year_from=2020",
        "q=nothing%20at%20all%20matches%20zzzz",
        "",
    ] {
        let api = get(&f.app, &format!("/api/v1/search?{params}&limit=100")).await;
        assert_eq!(api.status, StatusCode::OK, "{params}: {}", api.body);
        let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        let mut want: Vec<String> = api["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect();
        want.sort();
        assert_eq!(want.len() as u64, api["total"].as_u64().unwrap());
        let jsonl = get(&f.app, &format!("/export/cases.jsonl?{params}")).await;
        assert_eq!(jsonl.status, StatusCode::OK, "{params}");
        assert_eq!(exported_ids(&jsonl.body), want, "{params}");
        let csv = get(&f.app, &format!("/export/cases.csv?{params}")).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(
            csv.body.lines().count(),
            want.len() + 1,
            "{params}: header + rows"
        );
    }
    let narrowed = get(&f.app, "/export/cases.jsonl?q=shortcut&domain=healthcare").await;
    assert_eq!(exported_ids(&narrowed.body), ["xray-shortcut"]);
}

#[tokio::test]
async fn bad_export_parameters_are_a_400_naming_the_parameter() {
    let f = fixture();
    for (params, names) in [
        ("year_from=last%20year", "year_from"),
        ("domain=Not%20A%20Slug!", "domain"),
        ("q=%22unbalanced", ""),
    ] {
        let r = get(&f.app, &format!("/export/cases.csv?{params}")).await;
        if names.is_empty() {
            // Plain text never errors: an unbalanced quote is searched as words.
            assert_eq!(r.status, StatusCode::OK, "{params}");
        } else {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{params}");
            assert!(r.body.contains(names), "{params}: {}", r.body);
        }
    }
}

#[tokio::test]
async fn the_feed_parses_even_when_a_case_holds_control_characters() {
    let f = fixture();
    let mut odd =
        notbetter_kb::Case::clone(&f.state.kb.get("recsys-baselines").unwrap().unwrap().case);
    odd.id = "control-characters".into();
    odd.title = "Bell\u{7} and form feed\u{c} in a title".into();
    odd.outcome = "An escape \u{1b}[31m sequence & <markup>.".into();
    f.state.kb.write(&[(odd, "test".into())]).unwrap();
    let atom = get(&f.app, "/feed.atom").await;
    let feed = atom_syndication::Feed::read_from(atom.body.as_bytes()).unwrap_or_else(|e| {
        panic!(
            "the feed is not XML an Atom reader accepts: {e}\n{}",
            atom.body
        )
    });
    assert_eq!(feed.entries().len(), 4);
    let entry = feed
        .entries()
        .iter()
        .find(|e| e.id().ends_with(":case:control-characters"))
        .unwrap();
    assert_eq!(entry.title().value, "Bell and form feed in a title");
    assert_eq!(
        entry.summary().unwrap().value,
        "An escape [31m sequence & <markup>."
    );
}

#[tokio::test]
async fn every_search_page_links_the_export_of_its_results() {
    let f = fixture();
    let page = get(
        &f.app,
        "/search?q=shortcut&domain=healthcare&sort=year&page=1",
    )
    .await;
    let href = "/export/cases.csv?q=shortcut&amp;domain=healthcare";
    assert!(page.body.contains(href), "{}", page.body);
    let csv = get(&f.app, &href.replace("&amp;", "&")).await;
    assert_eq!(csv.body.lines().count(), 2, "header and the one match");
    let all = get(&f.app, "/search").await;
    assert!(all.body.contains("href=\"/export/cases.jsonl\""));
}
