//! Checking a record's references (identifier syntax, plausible years, a DOI cited by another
//! case).

use notbetter_taxonomy::Reference;
use serde_json::Value;

use super::{kind, Checker, Ctx, MIN_YEAR};
use crate::refs::{classify_reference, is_valid_arxiv, is_valid_doi, is_valid_url, RefKind};

impl Checker<'_> {
    pub(super) fn references(&mut self, cx: &mut Ctx<'_>, id: Option<&str>) -> Vec<Reference> {
        let field = "references";
        let mut refs = Vec::new();
        let items: Vec<Value> = match cx.record.fields.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_string()))
                .collect(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => {
                cx.error(
                    field,
                    format!("expected a list of references, found {}", kind(other)),
                );
                return refs;
            }
        };
        for (i, item) in items.into_iter().enumerate() {
            let n = i + 1;
            let reference = match item {
                Value::String(s) => match classify_reference(&s) {
                    Some(RefKind::Doi(d)) => Reference {
                        doi: Some(d),
                        ..Default::default()
                    },
                    Some(RefKind::Arxiv(a)) => Reference {
                        arxiv: Some(a),
                        ..Default::default()
                    },
                    Some(RefKind::Url(u)) => Reference {
                        url: Some(u),
                        ..Default::default()
                    },
                    None => {
                        cx.error(
                            field,
                            format!("reference {n}: `{s}` is not a DOI (10.xxxx/...), an arXiv id (2104.01234) or an http(s) URL"),
                        );
                        continue;
                    }
                },
                obj @ Value::Object(_) => match serde_json::from_value::<Reference>(obj) {
                    Ok(r) => r,
                    Err(e) => {
                        cx.error(field, format!("reference {n}: {e}"));
                        continue;
                    }
                },
                other => {
                    cx.error(
                        field,
                        format!(
                            "reference {n}: expected a table or a string, found {}",
                            kind(&other)
                        ),
                    );
                    continue;
                }
            };
            let mut ok = true;
            if let Some(doi) = &reference.doi {
                if !is_valid_doi(doi) {
                    cx.error(field, format!("reference {n}: doi `{doi}` is not a bare DOI like 10.1038/s42256-021-00338-7"));
                    ok = false;
                }
            }
            if let Some(a) = &reference.arxiv {
                if !is_valid_arxiv(a) {
                    cx.error(
                        field,
                        format!("reference {n}: arxiv `{a}` is not an arXiv id like 2104.01234"),
                    );
                    ok = false;
                }
            }
            if let Some(u) = &reference.url {
                if !is_valid_url(u) {
                    cx.error(
                        field,
                        format!("reference {n}: url `{u}` is not an http(s) URL"),
                    );
                    ok = false;
                }
            }
            if reference.doi.is_none() && reference.arxiv.is_none() && reference.url.is_none() {
                cx.error(
                    field,
                    format!("reference {n}: needs a doi, an arxiv id or a url"),
                );
                ok = false;
            }
            if let Some(y) = reference.year {
                if !(MIN_YEAR..=self.max_year).contains(&y) {
                    cx.error(
                        field,
                        format!(
                            "reference {n}: year {y} is not plausible: expected {MIN_YEAR} to {}",
                            self.max_year
                        ),
                    );
                    ok = false;
                }
            }
            if let (Some(doi), Some(id)) = (&reference.doi, id) {
                let key = doi.to_ascii_lowercase();
                let other = self
                    .seen_dois
                    .get(&key)
                    .or_else(|| self.known_dois.get(&key))
                    .filter(|other| other.as_str() != id)
                    .cloned();
                if let Some(other) = other {
                    cx.warn(
                        field,
                        format!("reference {n}: DOI {doi} is already cited by case `{other}`"),
                    );
                }
                self.seen_dois.entry(key).or_insert_with(|| id.to_string());
            }
            if ok {
                refs.push(reference);
            }
        }
        if refs.is_empty() && cx.errors == 0 {
            cx.warn(
                field,
                "missing: expected at least one reference with a DOI, an arXiv id or a URL",
            );
        }
        refs
    }
}
