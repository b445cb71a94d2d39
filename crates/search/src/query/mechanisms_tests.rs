//! Tests of reading questions as mechanisms (`mechanisms.rs`): scores, the words a reading
//! rests on, and which readings lift.
use super::*;

/// Query words as `MechanismTable::score` takes them: stem, surface and a weight of 1.
fn weighted(ws: &[&str]) -> Vec<(String, String, f32)> {
    let mut analyzer = crate::stem::en_stem();
    ws.iter()
        .map(|w| {
            let stem = super::super::lexicon::content_stems(&mut analyzer, w).remove(0);
            (stem, w.to_string(), 1.0)
        })
        .collect()
}

fn doc(id: &str, text: &str, members: &[(&str, &str)]) -> MechanismDoc {
    MechanismDoc {
        id: id.into(),
        name: id.into(),
        causes: vec!["data/leakage".into()],
        text: text.into(),
        description: text.into(),
        members: members
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

#[test]
fn a_question_is_read_as_the_mechanism_whose_words_it_uses() {
    let table = MechanismTable::new(&[
        doc(
            "future-in-features",
            "information from the future in the features; look-ahead",
            &[
                ("a", "the backtest used prices published on later days"),
                (
                    "b",
                    "features computed with data from after the prediction time",
                ),
            ],
        ),
        doc(
            "site-signature",
            "a scanner or hospital signature learned instead of the signal",
            &[(
                "c",
                "the network recognised the hospital from the radiograph",
            )],
        ),
        doc("empty", "no members, never read", &[]),
    ]);
    assert_eq!(
        table.entries.len(),
        2,
        "mechanisms without members are left out"
    );
    let tuning = Tuning::default();
    let read = table.score(
        &weighted(&["future", "data", "published"]),
        &[],
        &[],
        &tuning,
    );
    assert_eq!(table.entries[read[0].index].id, "future-in-features");
    assert!(read[0].words.contains(&"future".to_string()));
    let read = table.score(&weighted(&["hospital", "radiograph"]), &[], &[], &tuning);
    assert_eq!(table.entries[read[0].index].id, "site-signature");
    assert!(read[1].score == 0.0, "no shared word, no score");
    let named = ["data/distribution-shift".to_string()];
    let read = table.score(
        &weighted(&["future", "data", "published"]),
        &[],
        &named,
        &tuning,
    );
    assert!(
        read.is_empty(),
        "a named cause leaves only its own mechanisms"
    );
}

/// End to end on an index: a question that describes a mechanism in other words finds
/// the cases assigned to it in every field, above cases that only share its words, and
/// says how it was read.
#[test]
fn a_mechanism_question_lifts_the_members_across_fields() {
    use notbetter_taxonomy::{bundled, Case};
    let case = |id: &str, domain: &str, cause: &str, why: &str| {
        Case::builder(id)
            .title(format!("Case {id}"))
            .year(2022)
            .domains(&[domain])
            .causes(&[cause])
            .failure_modes(&["suboptimal-performance"])
            .elements("A use case.", "A deep network.", "It did worse.", why)
            .build()
    };
    let mut cases = vec![
        case(
            "backtest",
            "finance/trading",
            "data/leakage",
            "Quarterly reports published after the trade date were among the model inputs.",
        ),
        case(
            "ehr",
            "healthcare/clinical-prediction",
            "data/leakage",
            "Lab values charted after the diagnosis time were among the model inputs.",
        ),
    ];
    for i in 0..6 {
        cases.push(case(
            &format!("other-{i}"),
            "recommender-systems",
            "evaluation/weak-baselines",
            "Future work should share information about the model inputs and tuning.",
        ));
    }
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(&cases, 1).unwrap();
    // Causes are read from questions too; only the mechanism is under test here.
    idx.set_tuning(Tuning {
        cause_threshold: f32::INFINITY,
        ..Tuning::default()
    });
    let query = "information from the future ends up in the model inputs";
    let ids = |idx: &SearchIndex| -> Vec<String> {
        let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
        r.hits.into_iter().map(|h| h.id).collect()
    };
    let before = ids(&idx);
    assert!(
        before.iter().take(2).all(|id| id.starts_with("other")),
        "{before:?}"
    );
    idx.set_mechanisms(&[MechanismDoc {
        id: "future-in-features".into(),
        name: "The future in the features".into(),
        causes: vec!["data/leakage".into()],
        text: "Information from the future leaks into the features: look-ahead.".into(),
        description: "The future in the features.".into(),
        members: vec![
            ("backtest".into(), cases[0].investigation.clone()),
            ("ehr".into(), cases[1].investigation.clone()),
        ],
    }]);
    let after = ids(&idx);
    let mut top: Vec<&str> = after.iter().take(2).map(String::as_str).collect();
    top.sort_unstable();
    assert_eq!(top, ["backtest", "ehr"], "{after:?}");
    let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
    assert_eq!(r.reading.mechanisms.len(), 1);
    assert_eq!(r.reading.mechanisms[0].id, "future-in-features");
    let words = &r.reading.mechanisms[0].words;
    assert!(
        !words.is_empty() && words.iter().all(|w| query.contains(w.as_str())),
        "{words:?}"
    );

    // A question that names a field asks about it: the member from another field is no
    // longer lifted above cases that hold more of the words.
    let query = "information from the future ends up in the model inputs in finance";
    let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
    let ids: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(r.reading.mechanisms.len(), 1, "{:?}", r.reading);
    assert_eq!(ids[0], "backtest", "{ids:?}");
    assert!(ids[1].starts_with("other"), "{ids:?}");

    // A cause named by an alias ("scaling" is one of scalability's) narrows the reading
    // to its own mechanisms in a short question, not in a longer one where it is
    // incidental.
    let read = |query: &str| {
        let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
        assert!(
            r.reading
                .synonyms
                .iter()
                .any(|s| s.slug == "model/scalability"),
            "{:?}",
            r.reading
        );
        r.reading.mechanisms
    };
    assert!(read("future inputs scaling").is_empty());
    let long = read("information from the future ends up in the model inputs after scaling");
    assert_eq!(long.len(), 1, "{long:?}");
    assert_eq!(long[0].id, "future-in-features");
}

/// Words most assigned cases hold, or that a mechanism's members hold little more often
/// than cases at large, do not point to it; a word nearly its own does, alone.
#[test]
fn common_and_unremarkable_words_do_not_support_a_reading() {
    // Ten assigned cases: every one holds "model", four hold "fail" (two of them the
    // drift mechanism's), and only the drift mechanism's two hold "sepsis".
    let members = |ids: &[&str], text: &str| -> Vec<(String, String)> {
        ids.iter()
            .map(|id| (id.to_string(), text.to_string()))
            .collect()
    };
    let mut drift = doc("drift", "accuracy slips after launch", &[]);
    drift.members = members(&["a", "b"], "the sepsis model would fail after launch");
    let mut other = doc("other", "unrelated", &[]);
    other.members = members(&["c", "d"], "the model would fail on new data");
    other.members.extend(members(
        &["e", "f", "g", "h", "i", "j"],
        "a model of crystals",
    ));
    let table = MechanismTable::new(&[drift, other]);
    let tuning = Tuning::default();
    let drift_of = |ws: &[&str]| {
        let scores = table.score(&weighted(ws), &[], &[], &tuning);
        scores
            .into_iter()
            .find(|m| table.entries[m.index].id == "drift")
            .expect("scored")
    };
    // "model": every case holds it. "fail": 0.4 of the cases, over `cause_common`.
    let generic = drift_of(&["model", "fail"]);
    assert_eq!(generic.support, 0, "{generic:?}");
    assert!(choose(&[generic], false, &tuning).is_empty());
    // "sepsis": its members hold it five times as often as cases at large (all of them,
    // against 0.2): one word that supports, though not sharply enough to read alone.
    let sepsis = drift_of(&["sepsis", "model"]);
    assert_eq!((sepsis.support, sepsis.sharpest), (1, 5.0), "{sepsis:?}");
    let alone = Tuning {
        mechanism_alone: 5.0,
        ..Tuning::default()
    };
    assert_eq!(
        choose(std::slice::from_ref(&sepsis), false, &alone).len(),
        1
    );
    assert!(choose(&[sepsis], false, &tuning).is_empty());
    // Two such words do: "sepsis" and "launch" (its own words use it).
    let two = drift_of(&["sepsis", "launch"]);
    assert_eq!(two.support, 2, "{two:?}");
}

#[test]
fn weak_readings_lift_nothing() {
    let tuning = Tuning::default();
    let s = |score: f32, support: usize| MechanismScore {
        index: 0,
        score,
        words: vec![],
        by_meaning: false,
        support,
        sharpest: 2.0,
    };
    let strong = tuning.mechanism_threshold * 2.0;
    assert!(choose(&[s(tuning.mechanism_threshold * 0.9, 2)], false, &tuning).is_empty());
    let chosen = choose(&[s(strong, 2)], false, &tuning);
    assert_eq!(chosen.len(), 1);
    assert_eq!(chosen[0].1, 1.0);
    // One word pointing to it is no reading, and does not set the bar for the next…
    let one_word = choose(&[s(strong * 2.0, 1), s(strong, 2)], false, &tuning);
    assert_eq!(one_word.len(), 1);
    assert_eq!(one_word[0].1, 1.0);
    // …unless that word is nearly the mechanism's own, the question names one of its
    // causes, or the reading is by meaning.
    let sharp = MechanismScore {
        sharpest: tuning.mechanism_alone,
        ..s(strong, 1)
    };
    assert_eq!(choose(&[sharp], false, &tuning).len(), 1);
    assert_eq!(choose(&[s(strong, 1)], true, &tuning).len(), 1);
    let meaning = MechanismScore {
        by_meaning: true,
        ..s(strong, 0)
    };
    assert_eq!(choose(&[meaning], false, &tuning).len(), 1);
}

/// A cause read from a question's words is offered as its reading only when a mechanism read
/// from the question sits under it; otherwise it still lifts its cases, but is reported as a
/// weaker reading (`Reading::weak_causes`).
#[test]
fn a_cause_is_offered_as_the_reading_when_a_mechanism_under_it_is_read() {
    use notbetter_taxonomy::{bundled, Case};
    let case = |id: &str, cause: &str, why: &str| {
        Case::builder(id)
            .title(format!("Case {id}"))
            .domains(&["finance/trading"])
            .causes(&[cause])
            .failure_modes(&["suboptimal-performance"])
            .elements("A use case.", "A deep network.", "It did worse.", why)
            .build()
    };
    let mut cases = Vec::new();
    for i in 0..4 {
        cases.push(case(
            &format!("leak-{i}"),
            "data/leakage",
            "Quarterly reports published after the deadline were among the inputs.",
        ));
    }
    for i in 0..16 {
        cases.push(case(
            &format!("other-{i}"),
            "model/fairness",
            "The lending scores differed between groups of applicants.",
        ));
    }
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(&cases, 1).unwrap();
    let query = "reports published after the deadline";
    let reading = |idx: &SearchIndex| idx.search(&crate::SearchRequest::new(query)).unwrap();

    // No mechanism to read: the cause is read, lifts, and is reported as weaker.
    let r = reading(&idx);
    let weak: Vec<&str> = r
        .reading
        .weak_causes
        .iter()
        .map(|c| c.slug.as_str())
        .collect();
    assert_eq!(weak, ["data/leakage"], "{:?}", r.reading);
    assert!(r.reading.causes.is_empty(), "{:?}", r.reading);
    assert!(r.hits[0].id.starts_with("leak-"));

    // A mechanism under another cause, read from the same words, does not bear it out.
    let mechanism = |cause: &str| MechanismDoc {
        id: "late-reports".into(),
        name: "Reports published after the date".into(),
        causes: vec![cause.into()],
        text: "Reports published after the deadline used as inputs.".into(),
        description: "Reports published after the deadline.".into(),
        members: (0..4)
            .map(|i| (format!("leak-{i}"), cases[i].investigation.clone()))
            .collect(),
    };
    // The other cases belong to a mechanism of their own, so the question's words are rare
    // among the assigned cases and point to the first.
    let gaps = MechanismDoc {
        id: "group-gaps".into(),
        name: "Scores differ between groups".into(),
        causes: vec!["model/fairness".into()],
        text: "Scores differ between groups of applicants.".into(),
        description: "Scores differ between groups.".into(),
        members: (4..20)
            .map(|i| (cases[i].id.clone(), cases[i].investigation.clone()))
            .collect(),
    };
    idx.set_mechanisms(&[mechanism("evaluation/weak-baselines"), gaps.clone()]);
    let r = reading(&idx);
    assert_eq!(r.reading.mechanisms.len(), 1, "{:?}", r.reading);
    assert!(r.reading.causes.is_empty(), "{:?}", r.reading);
    assert_eq!(r.reading.weak_causes.len(), 1, "{:?}", r.reading);

    // One under it (or under a narrower cause of it) does: the cause is the reading.
    idx.set_mechanisms(&[mechanism("data/leakage"), gaps]);
    let r = reading(&idx);
    let shown: Vec<&str> = r.reading.causes.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(shown, ["data/leakage"], "{:?}", r.reading);
    assert!(r.reading.weak_causes.is_empty(), "{:?}", r.reading);
}
