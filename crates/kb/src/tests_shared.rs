//! Two nodes on one PostgreSQL store, in one process: each has its own data directory and
//! index, and what one writes the other finds after following the store.

use std::sync::Arc;
use std::time::{Duration, Instant};

use notbetter_search::SearchRequest;
use notbetter_taxonomy::bundled;

use crate::tests::case;
use crate::{Followed, IndexState, KnowledgeBase};

struct Node {
    _dir: tempfile::TempDir,
    kb: KnowledgeBase,
}

fn node(url: &str) -> Node {
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open_with(dir.path(), bundled(), Some(url)).unwrap();
    assert!(kb.is_shared());
    Node { _dir: dir, kb }
}

fn found(kb: &KnowledgeBase, id: &str) -> bool {
    // Titles are "Case <id>".
    kb.search(&SearchRequest::new(id))
        .unwrap()
        .hits
        .iter()
        .any(|h| h.id == id)
}

#[test]
fn a_write_on_one_node_is_found_on_the_other_after_following() {
    let Some(url) = notbetter_store::pg_harness::fresh_database() else {
        return;
    };
    let a = node(&url);
    let b = node(&url);
    a.kb.write(&[(case("one"), "t".into())]).unwrap();
    assert!(found(&a.kb, "one"), "the writer reads its own write");
    assert!(!found(&b.kb, "one"), "b has not followed yet");
    assert_eq!(
        b.kb.follow().unwrap(),
        Followed::Indexed {
            cases: 1,
            generation: 1
        }
    );
    assert!(found(&b.kb, "one"));
    assert_eq!(b.kb.follow().unwrap(), Followed::UpToDate);

    // Interleaved writes: each node's index ends with every case, never skipping the other's.
    b.kb.write(&[(case("two"), "t".into())]).unwrap();
    a.kb.write(&[(case("three"), "t".into())]).unwrap();
    assert!(
        found(&a.kb, "two"),
        "a's own write made it follow b's first"
    );
    b.kb.follow().unwrap();
    for id in ["one", "two", "three"] {
        assert!(found(&a.kb, id) && found(&b.kb, id), "{id}");
    }
    assert_eq!(a.kb.indexed(), 3);
    assert_eq!(b.kb.indexed(), 3);
}

#[test]
fn the_follower_thread_indexes_an_approval_within_a_second() {
    let Some(url) = notbetter_store::pg_harness::fresh_database() else {
        return;
    };
    let a = node(&url);
    let b_node = node(&url);
    let b = Arc::new(b_node.kb); // its data directory lives as long as `b_node._dir`
    let _thread = b.follow_in_background(Duration::from_millis(100));
    a.kb.submit(
        "sub-1",
        "Title",
        &serde_json::json!({"title": "Title"}),
        None,
        "127.0.0.1",
    )
    .unwrap();
    let id = a.kb.approve("sub-1", "rita", &case("approved")).unwrap();
    assert!(found(&a.kb, &id), "found on the approving node");
    let started = Instant::now();
    while !found(&b, &id) {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "not found on the other node within 1 s"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Sessions and submissions are shared too.
    assert_eq!(b.submission("sub-1").unwrap().unwrap().case_id, Some(id));
}

#[test]
fn a_node_far_behind_or_after_a_restore_rebuilds() {
    let Some(url) = notbetter_store::pg_harness::fresh_database() else {
        return;
    };
    let a = node(&url);
    let b = node(&url);
    let many: Vec<_> = (0..crate::FOLLOW_MAX_CASES + 1)
        .map(|i| (case(&format!("c{i}")), "bulk".to_string()))
        .collect();
    a.kb.write(&many).unwrap();
    assert_eq!(
        b.kb.follow().unwrap(),
        Followed::Rebuilt {
            cases: crate::FOLLOW_MAX_CASES + 1
        }
    );
    let backup = a._dir.path().join("backup.sqlite");
    a.kb.backup_to(&backup).unwrap();
    a.kb.write(&[(case("later"), "t".into())]).unwrap();
    b.kb.follow().unwrap();
    assert!(found(&b.kb, "later"));
    a.kb.restore_from(&backup).unwrap();
    assert!(!found(&a.kb, "later"));
    assert!(matches!(b.kb.follow().unwrap(), Followed::Rebuilt { .. }));
    assert!(!found(&b.kb, "later"), "the restore reached b");
    assert_eq!(b.kb.indexed() as usize, crate::FOLLOW_MAX_CASES + 1);
}

#[test]
fn a_node_reopened_follows_and_an_index_of_another_database_is_rebuilt() {
    let Some(url) = notbetter_store::pg_harness::fresh_database() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kb = KnowledgeBase::open_with(dir.path(), bundled(), Some(&url)).unwrap();
    kb.write(&[(case("xray"), "t".into())]).unwrap();
    drop(kb);
    let other = node(&url);
    other.kb.write(&[(case("yak"), "t".into())]).unwrap();
    let kb = KnowledgeBase::open_with(dir.path(), bundled(), Some(&url)).unwrap();
    assert_eq!(kb.opened, IndexState::UpToDate, "followed, not rebuilt");
    assert!(found(&kb, "xray") && found(&kb, "yak"));
    drop(kb);

    // The same data directory pointed at another database holding one case at generation 1,
    // like the index: it is rebuilt, not trusted.
    let second = notbetter_store::pg_harness::fresh_database().unwrap();
    node(&second)
        .kb
        .write(&[(case("zulu"), "t".into())])
        .unwrap();
    let kb = KnowledgeBase::open_with(dir.path(), bundled(), Some(&second)).unwrap();
    assert!(matches!(kb.opened, IndexState::Rebuilt { cases: 1 }));
    assert!(found(&kb, "zulu") && !found(&kb, "xray"));
}

#[test]
fn a_follower_is_woken_by_a_commit_not_only_by_its_poll() {
    let Some(url) = notbetter_store::pg_harness::fresh_database() else {
        return;
    };
    let a = node(&url);
    let b_node = node(&url);
    let b = Arc::new(b_node.kb);
    // A poll every 30 s: only the notification can bring the case within the limit.
    let _thread = b.follow_in_background(Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300)); // the listener connects and listens
    for round in 0..3 {
        let id = format!("woken{round}");
        a.kb.write(&[(case(&id), "t".into())]).unwrap();
        let started = Instant::now();
        while !found(&b, &id) {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{id} not indexed on the other node within 1 s of its commit"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
