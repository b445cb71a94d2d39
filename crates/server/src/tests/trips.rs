//! Pages make one trip through the work queue each: under load every trip waits its turn, so a
//! page that made five (the domain page did) waited five times as long as a search.

use axum::http::StatusCode;

use super::*;

/// The trips one request makes, after the clusters are computed (the first request to need
/// them computes them, which is a trip of its own only once).
async fn trips(f: &Fixture, uri: &str) -> u64 {
    let before = f.state.trips();
    let r = get(&f.app, uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.body);
    f.state.trips() - before
}

#[tokio::test]
async fn each_page_makes_one_trip_through_the_work_queue() {
    let f = fixture();
    get(&f.app, "/clusters").await;
    let clustering = f.state.kb.clusters().expect("computed by /clusters");
    let cluster = clustering.clusters.first().expect("a cluster").id.clone();
    for uri in [
        "/",
        "/search?q=shortcut",
        "/cases/xray-shortcut",
        "/cases/xray-shortcut.json",
        "/domains",
        "/domains/healthcare",
        "/domains/healthcare/medical-imaging",
        "/causes/model/shortcut-learning",
        "/clusters",
        &format!("/clusters/{cluster}"),
    ] {
        assert_eq!(trips(&f, uri).await, 1, "{uri}");
    }
}

#[tokio::test]
async fn a_domain_page_names_the_other_fields_its_causes_occur_in() {
    let f = fixture();
    let page = get(&f.app, "/domains/healthcare").await;
    assert_eq!(page.status, StatusCode::OK);
    let section = &page.body[page
        .body
        .find("The same causes elsewhere")
        .expect("the section")..];
    let shortcut = &section[section.find("Shortcut learning").expect("the cause")..];
    let line = &shortcut[..shortcut.find("</li>").unwrap()];
    // The NLI case shares shortcut learning from language technology; the baselines case shares
    // no cause with the x-ray case, and healthcare itself is not "elsewhere".
    assert!(line.contains("Language technology (1)"), "{line}");
    assert!(!line.contains("Healthcare"), "{line}");
    assert!(!section.contains("Recommender"), "{section}");
}

/// A new server's first case page waits for the first clustering without a work permit: with
/// every permit taken by other work, the clusters are still computed, and the page then
/// answers with them once a permit is free. (Waiting while holding permits made every request
/// of a busy new server wait for the clustering.)
#[tokio::test]
async fn the_first_clustering_is_awaited_without_a_work_permit() {
    use std::time::{Duration, Instant};

    let f = fixture();
    assert!(f.state.kb.clusters().is_none(), "nothing computed yet");
    let all = f.state.work.available_permits() as u32;
    let held = f.state.work.clone().acquire_many_owned(all).await.unwrap();
    let app = f.app.clone();
    let page = tokio::spawn(async move { get(&app, "/cases/xray-shortcut").await });
    let deadline = Instant::now() + Duration::from_secs(30);
    while f.state.kb.clusters().is_none() {
        assert!(
            Instant::now() < deadline,
            "the clusters were not computed while the permits were taken"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !page.is_finished(),
        "the page's own work waits for a permit"
    );
    drop(held);
    let r = page.await.unwrap();
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
