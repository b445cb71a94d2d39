//! garak's probe modules (`encoding.InjectBase64`, `packagehallucination.Perl`), which AVID's
//! reports name in their descriptions ("… evaluated by the Garak LLM Vulnerability scanner
//! using the probe `latentinjection.LatentInjectionResume`"). The module says what was tried
//! on the model better than the words around it, which name only the scanner and the model.
//!
//! The table follows each module's own docstring in NVIDIA/garak (`garak/probes/<module>.py`,
//! read at cafbe99, August 2026). A module maps only when that docstring makes it an attack
//! on the model's safeguards (injection, jailbreak, bypass: security) or a test of stated
//! falsehoods (hallucination). Modules that test what content a model will produce (toxicity,
//! slurs, malware or API keys on request), replay of training text, or output that may
//! disturb downstream software name no cause, and the label stays unmapped for a reviewer.

use crate::model::Dimension;

/// The cause a garak probe module's docstring names, if it names one.
fn module_cause(module: &str) -> Option<&'static str> {
    const SECURITY: &str = "deployment/security";
    const HALLUCINATION: &str = "model/hallucination";
    Some(match module {
        // "Encoding-based prompt injection", "prompt injections buried in other contexts",
        // "Basic prompt injections", "injection vulnerabilities such as template injection",
        // "injection attacks against websites".
        "encoding" | "latentinjection" | "promptinject" | "exploitation" | "web_injection" => {
            SECURITY
        }
        // Jailbreaks and bypasses of the model's alignment or guardrails: do-anything-now,
        // Tree of Attacks, adversarial suffixes, disguise-and-reconstruction, role play as a
        // grandma or a doctor, rephrasing, circumventing topic blocks, token smuggling,
        // instructions in images, masked-token linkage, system-prompt extraction, simple
        // adaptive attacks, red-teaming agents' tools.
        "dan"
        | "tap"
        | "suffix"
        | "dra"
        | "grandma"
        | "doctor"
        | "phrasing"
        | "topic"
        | "smuggling"
        | "visual_jailbreak"
        | "sata"
        | "sysprompt_extraction"
        | "adaptive_attacks"
        | "agent_breaker" => SECURITY,
        // "non-existent (and therefore insecure) packages", "a subset of hallucination types",
        // the Snowball paper's wrong answers to reasoning questions.
        "packagehallucination" | "misleading" | "snowball" => HALLUCINATION,
        _ => return None,
    })
}

/// The garak probe a label names (`("encoding", "InjectBase64")`): a `module.Class` word whose
/// module is lower case and whose class starts with a capital, in a label that mentions garak
/// or is that word alone.
fn probe(label: &str) -> Option<(&str, &str)> {
    let is_garak = label.to_ascii_lowercase().contains("garak");
    let words: Vec<&str> = label
        .split(|c: char| c.is_whitespace() || matches!(c, '`' | '\'' | '"' | ',' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    if !is_garak && words.len() != 1 {
        return None;
    }
    words.into_iter().find_map(|w| {
        let w = w.trim_end_matches(['.', ':', ';']);
        let (module, class) = w.split_once('.')?;
        let module_ok = !module.is_empty()
            && module
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let class_ok = class.starts_with(|c: char| c.is_ascii_uppercase())
            && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        (module_ok && class_ok).then_some((module, class))
    })
}

/// The slug a label naming a garak probe maps onto in `dim`: `Some(Some(slug))` when its module
/// names a cause, `Some(None)` when the label names a probe whose module names none (the label
/// then stays unmapped: its other words name the scanner and the model, not a cause), `None`
/// when it names no probe.
pub(crate) fn probe_slug(dim: Dimension, label: &str) -> Option<Option<&'static str>> {
    if dim != Dimension::Cause {
        return None;
    }
    let (module, _) = probe(label)?;
    Some(module_cause(module))
}

/// The garak probe a text names (`encoding.InjectBase64`) and the cause its module names, for
/// importers: AVID files every injection and jailbreak probe under one SEP code shared by
/// robustness and security, and package-hallucination probes under none.
pub fn garak_probe_cause(text: &str) -> Option<(String, &'static str)> {
    let (module, class) = probe(text)?;
    Some((format!("{module}.{class}"), module_cause(module)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const AVID: &str = "The model gemma-3n-E4B-it from Google was evaluated by the Garak LLM \
                        Vulnerability scanner using the probe `encoding.InjectROT13`.";

    #[test]
    fn a_probe_is_read_from_avid_wording_or_alone() {
        assert_eq!(probe(AVID), Some(("encoding", "InjectROT13")));
        assert_eq!(
            probe("packagehallucination.Perl"),
            Some(("packagehallucination", "Perl"))
        );
        assert_eq!(
            probe("garak probe web_injection.MarkdownXSS:"),
            Some(("web_injection", "MarkdownXSS"))
        );
        // Without garak, a dotted word among others is not taken for a probe.
        assert_eq!(probe("results in table.Summary were wrong"), None);
        // A lower-case class or a version number is no probe.
        assert_eq!(probe("garak 0.9.0.6"), None);
        assert_eq!(probe("garak ran encoding.default"), None);
    }

    #[test]
    fn modules_map_by_what_garak_says_they_test() {
        assert_eq!(
            probe_slug(Dimension::Cause, AVID),
            Some(Some("deployment/security"))
        );
        assert_eq!(
            probe_slug(Dimension::Cause, "garak `packagehallucination.Rust`"),
            Some(Some("model/hallucination"))
        );
        // Content probes (slurs), training-text replay and ANSI codes name no cause.
        for label in [
            "garak lmrc.SlurUsage",
            "garak leakreplay.PotterComplete",
            "garak ansiescape.AnsiEscaped",
        ] {
            assert_eq!(probe_slug(Dimension::Cause, label), Some(None), "{label}");
        }
        assert_eq!(probe_slug(Dimension::Domain, AVID), None);
        assert_eq!(probe_slug(Dimension::Cause, "prompt injection"), None);
    }
}
