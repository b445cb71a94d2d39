//! Tests of reading a question as a mechanism by its meaning (the bundled embedding model),
//! when it shares no word with the mechanism or its cases.

use super::mechanisms::{MechanismTable, ReadMechanism};
use super::{MechanismDoc, Tuning};
use crate::SearchIndex;
use notbetter_taxonomy::{bundled, Case};

fn mechanism(id: &str, description: &str, members: &[(&str, &str)]) -> MechanismDoc {
    MechanismDoc {
        id: id.into(),
        name: id.into(),
        causes: vec!["model/shortcut-learning".into()],
        text: description.into(),
        description: description.into(),
        members: members
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

fn mechanisms() -> Vec<MechanismDoc> {
    vec![
        mechanism(
            "site-markers",
            "A hospital's scanner or markings learned instead of the disease",
            &[(
                "xray",
                "Radiographs from one site carried a tag that predicted pneumonia.",
            )],
        ),
        mechanism(
            "temporal-drift",
            "The world changes after deployment and the fitted relation no longer holds",
            &[(
                "fraud",
                "Fraud patterns changed within months of deployment.",
            )],
        ),
    ]
}

#[test]
fn the_closest_description_scores_without_a_shared_word() {
    let table = MechanismTable::new(&mechanisms());
    let model = super::mechanisms::embedder().expect("the bundled model loads");
    let question = "the classifier picked up which imaging machine took the picture";
    let vector = model.embed(question);
    let words_only = table.score(&[], &[], &[], &Tuning::default());
    assert!(words_only.is_empty(), "no words, no vector: nothing read");
    let tuning = Tuning {
        mechanism_dense: 2.0,
        mechanism_dense_floor: 0.0,
        ..Tuning::default()
    };
    let read = table.score(&[], &vector, &[], &tuning);
    assert_eq!(read.len(), 2);
    assert!(read[0].score > read[1].score, "{read:?}");
    assert_eq!(table.read_label(&read[0]).id, "site-markers");
    let off = Tuning {
        mechanism_dense: 0.0,
        ..tuning
    };
    let read = table.score(&[], &vector, &[], &off);
    assert!(read.iter().all(|m| m.score == 0.0), "weight 0 turns it off");
}

/// End to end: with the model's reading on, a question in other words is read as the
/// mechanism (shown as read by its meaning) and its member, which holds fewer of the
/// question's words, ranks first; with it off, not.
#[test]
fn a_question_in_other_words_lifts_the_mechanism_it_means() {
    let case = |id: &str, domain: &str, why: &str| {
        Case::builder(id)
            .title(format!("Case {id}"))
            .year(2022)
            .domains(&[domain])
            .causes(&["model/shortcut-learning"])
            .failure_modes(&["suboptimal-performance"])
            .elements("A use case.", "A deep network.", "It did worse.", why)
            .build()
    };
    let cases = vec![
        case(
            "xray",
            "healthcare/medical-imaging",
            "The classifier picked up a tag that radiographs from one site carried.",
        ),
        case(
            "fraud",
            "finance/fraud-detection",
            "Fraud patterns changed within months; the classifier took the picture of last year.",
        ),
    ];
    let idx = SearchIndex::in_memory(&bundled()).unwrap();
    idx.rebuild(&cases, 1).unwrap();
    idx.set_mechanisms(&mechanisms());
    let query = "the classifier picked up which imaging machine took the picture";
    let read = |dense: f32| -> (Vec<String>, Vec<ReadMechanism>) {
        idx.set_tuning(Tuning {
            cause_threshold: f32::INFINITY,
            mechanism_dense: dense,
            mechanism_dense_floor: 0.0,
            ..Tuning::default()
        });
        let r = idx.search(&crate::SearchRequest::new(query)).unwrap();
        (
            r.hits.into_iter().map(|h| h.id).collect(),
            r.reading.mechanisms,
        )
    };
    let (ids, mechanisms) = read(0.0);
    assert_eq!(ids.first().map(String::as_str), Some("fraud"), "{ids:?}");
    assert!(mechanisms.is_empty(), "{mechanisms:?}");
    let (ids, mechanisms) = read(5.0);
    assert_eq!(
        ids.first().map(String::as_str),
        Some("xray"),
        "{ids:?} {mechanisms:?}"
    );
    assert_eq!(mechanisms.len(), 1, "{mechanisms:?}");
    assert_eq!(mechanisms[0].id, "site-markers");
    assert!(mechanisms[0].by_meaning, "{mechanisms:?}");
}
