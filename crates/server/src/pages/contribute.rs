//! `/contribute`: the contribution form, its preview, submission into the moderation queue, and
//! the page that tells a contributor how their submission stands.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::CookieJar;
use maud::{html, Markup};
use notbetter_kb::SubmissionStatus;

use super::form::{fields, label_summary, CaseForm, FieldErrors};
use crate::error::AppError;
use crate::layout::page;
use crate::markdown::render;
use crate::security::{check_csrf, csrf_token, random_token, ClientIp};
use crate::AppState;

const HONEYPOT: &str = "website";

fn form_page(
    state: &AppState,
    csrf: &str,
    f: &CaseForm,
    errors: &FieldErrors,
    preview: Option<Markup>,
) -> Markup {
    let t = state.kb.taxonomy();
    let body = html! {
        h1 { "Contribute a case" }
        p.lead { "Tell us about a real attempt to apply deep learning that did not deliver. Every case needs the four elements and a source a reader can check. A reviewer reads each submission before it is published." }
        @if !errors.is_empty() {
            div.error-box role="alert" {
                h2 { "Please correct " (errors.len()) " field" @if errors.len() != 1 { "s" } }
                ul { @for (field, msg) in errors { li { a href=(format!("#{field}")) { (msg) } } } }
            }
        }
        @if let Some(p) = preview { (p) }
        form.case-form method="post" action="/contribute" novalidate {
            input type="hidden" name="csrf" value=(csrf);
            div.hp aria-hidden="true" {
                label for=(HONEYPOT) { "Leave this field empty" }
                input id=(HONEYPOT) type="text" name=(HONEYPOT) tabindex="-1" autocomplete="off";
            }
            (fields(t, f, errors))
            div.buttons {
                button type="submit" name="action" value="preview" { "Preview" }
                button.primary type="submit" name="action" value="submit" { "Submit for review" }
            }
        }
    };
    page(
        "Contribute",
        "Contribute a real-world deep-learning failure case to Not Better.",
        body,
    )
}

pub async fn form(State(state): State<AppState>, jar: CookieJar) -> impl IntoResponse {
    let (jar, token) = csrf_token(jar, state.config.secure_cookies);
    let f = CaseForm::from_pairs(&[]);
    (
        jar,
        form_page(&state, &token, &f, &FieldErrors::new(), None),
    )
}

fn preview(state: &AppState, case: &notbetter_taxonomy::Case, notices: &[String]) -> Markup {
    let t = state.kb.taxonomy();
    html! {
        section.preview aria-labelledby="preview-h" {
            h2 #preview-h { "Preview" }
            @if !notices.is_empty() {
                ul.notices { @for n in notices { li { (n) } } }
            }
            h3 { (case.title) }
            (label_summary(t, case))
            @for (field, heading) in notbetter_taxonomy::ELEMENTS {
                h4 { (heading) }
                (render(case.element(field)))
            }
            @for (field, heading) in notbetter_taxonomy::OPTIONAL_SECTIONS {
                @let text = case.element(field);
                @if !text.is_empty() { h4 { (heading) } (render(text)) }
            }
            p { "If this looks right, submit it for review below." }
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    check_csrf(&headers, &jar, get("csrf"))?;
    let (jar, token) = csrf_token(jar, state.config.secure_cookies);
    let action = get("action").unwrap_or("submit");
    if get(HONEYPOT).is_some_and(|v| !v.is_empty()) {
        // A bot filled the hidden field: answer as if all went well, store nothing.
        tracing::info!(%ip, "honeypot caught a submission");
        return Ok((jar, thanks_page(None)).into_response());
    }
    let f = CaseForm::from_pairs(&pairs);
    let (case, errors, notices) = f.validate(&state.kb);
    let case = match case {
        Some(c) if errors.is_empty() => c,
        _ => {
            let page = form_page(&state, &token, &f, &errors, None);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, jar, page).into_response());
        }
    };
    if action == "preview" {
        return Ok((
            jar,
            form_page(
                &state,
                &token,
                &f,
                &errors,
                Some(preview(&state, &case, &notices)),
            ),
        )
            .into_response());
    }
    state.limits.contribution(ip)?;
    let public_id = random_token()[..16].to_string();
    let (id, title, doc, who) = (
        public_id.clone(),
        case.title.clone(),
        f.doc(),
        case.contributor.clone(),
    );
    state
        .run(move |kb| Ok(kb.submit(&id, &title, &doc, who.as_deref(), &ip.to_string())?))
        .await?;
    Ok((jar, Redirect::to(&format!("/contribute/{public_id}"))).into_response())
}

fn thanks_page(public_id: Option<&str>) -> Markup {
    page(
        "Thank you",
        "Your contribution was received.",
        html! {
            h1 { "Thank you" }
            p { "Your contribution was received and waits for review." }
            @if let Some(id) = public_id { p { "Its id is " code { (id) } "." } }
        },
    )
}

pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Markup, AppError> {
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let lookup = id.clone();
    let sub = state
        .run(move |kb| Ok(kb.submission(&lookup)?))
        .await?
        .ok_or(AppError::NotFound)?;
    let body = html! {
        h1 { "Submission " code { (sub.public_id) } }
        p { "Title: " strong { (sub.title) } }
        p.status { "Status: " strong { (sub.status.as_str()) } }
        @match sub.status {
            SubmissionStatus::Pending => p { "A reviewer will read it soon. It is not visible or searchable until it is approved. Keep this page's address to check back." },
            SubmissionStatus::Approved => p { "It was approved and is published: " @if let Some(c) = &sub.case_id { a href=(format!("/cases/{c}")) { "read the case" } } "." },
            SubmissionStatus::Rejected => p { "It was not accepted." @if let Some(r) = &sub.reason { " Reason: " (r) } },
        }
    };
    Ok(page(
        "Submission status",
        "The status of a contribution to Not Better.",
        body,
    ))
}
