//! The mechanism level of `/clusters` on the bundled cases: named mechanisms under their
//! causes, a mechanism page with its members side by side by field, both levels in the API,
//! and "the same mechanism elsewhere" on case pages before the looser similar cases.

use axum::http::StatusCode;

use super::*;

/// A site over every bundled case (read from `data/cases`).
fn bundled() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open(dir.path(), notbetter_taxonomy::bundled()).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cases");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    let (report, batch) = kb.seed(&files).unwrap().unwrap();
    assert!(report.added > 400, "{:?}", batch.errors().next());
    let state = AppState::new(Arc::new(kb), Config::default());
    Fixture {
        app: app(state.clone()),
        state,
        _dir: dir,
    }
}

#[tokio::test]
async fn clusters_show_named_mechanisms_under_causes_and_both_levels_in_the_api() {
    let f = bundled();
    let page = get(&f.app, "/clusters").await;
    assert_eq!(page.status, StatusCode::OK);
    let links = page.body.matches("href=\"/clusters/m/").count();
    assert!(links >= 30, "{links} mechanism links");
    assert!(page.body.contains("class=\"mechanisms\""));

    let api: serde_json::Value =
        serde_json::from_str(&get(&f.app, "/api/v1/clusters").await.body).unwrap();
    let all = api.as_array().unwrap();
    let causes: Vec<&serde_json::Value> = all.iter().filter(|c| c["level"] == "cause").collect();
    let mechanisms: Vec<&serde_json::Value> =
        all.iter().filter(|c| c["level"] == "mechanism").collect();
    assert!(causes.len() >= 10 && mechanisms.len() >= 30);
    for m in &mechanisms {
        for key in [
            "id", "level", "parent", "name", "cause", "domains", "size", "members",
        ] {
            assert!(m.get(key).is_some(), "{key} missing: {m}");
        }
        let name = m["name"].as_str().unwrap();
        assert!(
            name.len() > 10 && name.contains(' '),
            "a readable name: {name}"
        );
        assert!(m["domains"].as_array().unwrap().len() >= 2, "{m}");
        assert_eq!(
            m["size"].as_u64().unwrap() as usize,
            m["members"].as_array().unwrap().len()
        );
        if let Some(parent) = m["parent"].as_str() {
            assert!(causes.iter().any(|c| c["id"] == parent) || !parent.is_empty());
        }
    }
    // Cause-level names are words, not stems: the cause's name and mechanism names.
    for c in &causes {
        let name = c["name"].as_str().unwrap();
        assert!(name.contains(": "), "{name}");
    }

    // A mechanism page shows its members side by side, one column per field.
    let id = mechanisms[0]["id"].as_str().unwrap();
    let page = get(&f.app, &format!("/clusters/m/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Side by side, by domain"));
    assert!(page.body.matches("<section class=\"column\">").count() >= 2);
    // Each member shows the first sentence of its pattern in any field, so the columns can be
    // compared across fields.
    let members = mechanisms[0]["members"].as_array().unwrap();
    assert_eq!(
        page.body.matches("<p class=\"pattern\">").count(),
        page.body.matches("<li><a href=\"/cases/").count(),
    );
    assert!(page.body.matches("<p class=\"pattern\">").count() >= members.len());
    let one: serde_json::Value =
        serde_json::from_str(&get(&f.app, &format!("/api/v1/clusters/{id}")).await.body).unwrap();
    assert_eq!(one["level"], "mechanism");
    assert_eq!(
        get(&f.app, "/clusters/m/no-such-mechanism").await.status,
        StatusCode::NOT_FOUND
    );

    // A member's page names the mechanism first, then the looser similar cases.
    let member = mechanisms[0]["members"][0].as_str().unwrap();
    let case = get(&f.app, &format!("/cases/{member}")).await.body;
    let same = case
        .find("The same mechanism elsewhere")
        .unwrap_or_else(|| panic!("no mechanism section on {member}"));
    assert!(case.contains(&format!("href=\"/clusters/m/{id}\"")));
    if let Some(similar) = case.find("<h2>Similar cases</h2>") {
        assert!(
            same < similar,
            "the mechanism comes before the looser matches"
        );
    }
}
