//! AVID's SEP codes (`S0403`, `P0101`, `E0402`: Security, Ethics, Performance), which peer
//! databases and reports put in front of a label ("P0101: Data drift"). The code says more
//! than the words after it: AVID files prompt-injection probes under "S0403: Adversarial
//! Example", which the words alone would map to robustness. Label resolution reads a leading
//! code with this table, and the AVID importer maps its records' SEP views with it.

use crate::model::Dimension;

/// The causes an AVID SEP code (`P0101`, from `P0101: Data drift`) maps onto. Harms (toxicity,
/// the safety codes, privacy) and outcomes (`P0204 Accuracy`) are not causes: they map to none
/// and stay as unmapped labels for a reviewer.
pub fn avid_sep_causes(code: &str) -> &'static [&'static str] {
    const SECURITY: &[&str] = &["deployment/security"];
    const ADVERSARIAL: &[&str] = &["model/robustness", "deployment/security"];
    match code {
        // Security: every S code is an attack on or a weakness of the system.
        "S0400" | "S0403" => ADVERSARIAL,
        "S0402" => &["data/data-scarcity"],
        "S0100" | "S0200" | "S0201" | "S0202" | "S0300" | "S0301" | "S0302" | "S0500" | "S0501"
        | "S0502" | "S0600" | "S0601" => SECURITY,
        // Performance.
        "P0100" | "P0104" => &["data"],
        "P0101" | "P0102" | "P0202" => &["data/distribution-shift"],
        "P0105" => &["deployment/monitoring"],
        "P0200" => &["model"],
        "P0201" => &["model/robustness"],
        "P0203" => &["model/scalability"],
        // Ethics.
        "E0100" | "E0101" | "E0102" => &["model/fairness"],
        "E0200" | "E0201" | "E0202" => &["model/interpretability"],
        "E0402" => &["model/hallucination"],
        _ => &[],
    }
}

/// The failure mode an AVID SEP code names, when its words name none ("E0302: Polarization/
/// Exclusion"). AVID's Ethics codes for bias, toxicity and misinformation are harms to people
/// and society; its Safety codes for psychological and physical harm (P0400-P0402) and
/// Resilience/Stability (P0201) are failures to be safe or dependable; Accuracy (P0204) is
/// performance. Explainability (E02), socioeconomic safety (P0403) and the Security codes say
/// what went wrong rather than how it showed, and name none.
pub fn avid_sep_failure_mode(code: &str) -> Option<&'static str> {
    match code {
        "E0100" | "E0101" | "E0102" | "E0300" | "E0301" | "E0302" | "E0400" | "E0401" | "E0402" => {
            Some("ethical-societal")
        }
        "P0201" | "P0400" | "P0401" | "P0402" => Some("safety-reliability"),
        "P0204" => Some("suboptimal-performance"),
        _ => None,
    }
}

/// The AVID SEP code a label starts with (`P0201` in "P0201: Resilience/ Stability"), upper
/// case, with the rest of the label.
pub fn leading_code(label: &str) -> Option<(String, &str)> {
    let t = label.trim_start();
    let code: String = t.chars().take(5).collect();
    let mut chars = code.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    if !matches!(letter, 'S' | 'P' | 'E') || code.len() != 5 || !chars.all(|c| c.is_ascii_digit()) {
        return None;
    }
    let rest = &t[5..];
    if rest.chars().next().is_some_and(|c| c.is_alphanumeric()) {
        return None;
    }
    Some((
        format!("{letter}{}", &code[1..]),
        rest.trim_start_matches([':', ' ', '-', '.']),
    ))
}

/// What a leading AVID code says about a label of `dim`: `Some(slugs)` when the code decides
/// (one slug: that one; none or several: the label stays unmapped), `None` when it says
/// nothing about this dimension. Only causes: the code's risk domain (its letter) is too
/// coarse to decide a failure mode (AVID files physical and psychological harm alike under
/// P04, "Safety", within Performance), which was no better than the words on the tuning half;
/// a failure mode falls back on the code only when its words name none
/// (`avid_sep_failure_mode`).
pub(crate) fn code_slugs(dim: Dimension, code: &str) -> Option<Vec<&'static str>> {
    match dim {
        Dimension::Cause => Some(avid_sep_causes(code).to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_codes_are_read_only_at_the_start_and_whole() {
        assert_eq!(
            leading_code("P0201: Resilience/ Stability"),
            Some(("P0201".to_string(), "Resilience/ Stability"))
        );
        assert_eq!(
            leading_code("s0403 adversarial"),
            Some(("S0403".into(), "adversarial"))
        );
        assert_eq!(leading_code("P02010 x"), None);
        assert_eq!(leading_code("X0201: x"), None);
        assert_eq!(leading_code("data drift P0101"), None);
        assert_eq!(leading_code("P01"), None);
    }

    #[test]
    fn codes_decide_causes_and_failure_modes() {
        assert_eq!(
            code_slugs(Dimension::Cause, "P0201"),
            Some(vec!["model/robustness"])
        );
        assert_eq!(
            code_slugs(Dimension::Cause, "S0403").map(|s| s.len()),
            Some(2)
        );
        assert_eq!(code_slugs(Dimension::Cause, "E0301"), Some(vec![]));
        // Failure modes and domains are read from the words after the code.
        assert_eq!(code_slugs(Dimension::FailureMode, "P0402"), None);
        assert_eq!(avid_sep_failure_mode("E0302"), Some("ethical-societal"));
        assert_eq!(avid_sep_failure_mode("P0403"), None);
        assert_eq!(avid_sep_failure_mode("S0403"), None);
        assert_eq!(code_slugs(Dimension::Domain, "P0201"), None);
    }
}
