//! `/review`: reviewer login and logout, the moderation queue, editing a submission, mapping
//! its labels, approving it into the knowledge base, and rejecting (one or in bulk).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::{html, Markup};
use notbetter_kb::{Login, Submission, SubmissionStatus};
use notbetter_taxonomy::Case;

use super::form::{fields, label_summary, slugify, CaseForm, FieldErrors};
use crate::auth::{token_hash, verify_password, Reviewer, SESSION_COOKIE};
use crate::error::AppError;
use crate::layout::page;
use crate::security::{check_csrf, csrf_token, random_token, ClientIp};
use crate::AppState;

type Pairs = Vec<(String, String)>;

fn get<'a>(pairs: &'a Pairs, k: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
}

fn login_page(csrf: &str, error: Option<&str>) -> Markup {
    page(
        "Reviewer login",
        "Log in to review contributions.",
        html! {
            h1 { "Reviewer login" }
            @if let Some(e) = error { div.error-box role="alert" { p { (e) } } }
            form.login method="post" action="/review/login" {
                input type="hidden" name="csrf" value=(csrf);
                div.field { label for="name" { "Name" } input #name type="text" name="name" autocomplete="username" required; }
                div.field { label for="password" { "Password" } input #password type="password" name="password" autocomplete="current-password" required; }
                button.primary type="submit" { "Log in" }
            }
        },
    )
}

pub async fn login_form(State(state): State<AppState>, jar: CookieJar) -> impl IntoResponse {
    let (jar, token) = csrf_token(jar, state.config.secure_cookies);
    (jar, login_page(&token, None))
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    jar: CookieJar,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    check_csrf(&headers, &jar, get(&pairs, "csrf"))?;
    state.limits.login(ip)?;
    let (jar, csrf) = csrf_token(jar, state.config.secure_cookies);
    let name = get(&pairs, "name").unwrap_or("").trim().to_string();
    let password = get(&pairs, "password").unwrap_or("").to_string();
    let policy = state.config.login_policy();
    let token = random_token();
    let session_hash = token_hash(&token);
    let outcome = state
        .run(move |kb| {
            Ok(kb.log_in(
                &name,
                |hash| verify_password(&password, hash),
                &session_hash,
                &policy,
                time::OffsetDateTime::now_utc(),
            )?)
        })
        .await?;
    let outcome = match outcome {
        Login::Ok => Ok(token),
        Login::Wrong => Err("Wrong name or password."),
        Login::Locked => {
            Err("This account is locked after repeated failed logins. Try again later.")
        }
    };
    match outcome {
        Ok(token) => {
            let cookie = Cookie::build((SESSION_COOKIE, token))
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(state.config.secure_cookies)
                .path("/")
                .build();
            Ok((jar.add(cookie), Redirect::to("/review")).into_response())
        }
        Err(msg) => Ok((
            axum::http::StatusCode::UNAUTHORIZED,
            jar,
            login_page(&csrf, Some(msg)),
        )
            .into_response()),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    check_csrf(&headers, &jar, get(&pairs, "csrf"))?;
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) {
        let hash = token_hash(&token);
        state.run(move |kb| Ok(kb.log_out(&hash)?)).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/")).into_response())
}

pub async fn queue(
    State(state): State<AppState>,
    reviewer: Reviewer,
    jar: CookieJar,
) -> Result<impl IntoResponse, AppError> {
    let (jar, csrf) = csrf_token(jar, state.config.secure_cookies);
    let pending = state
        .run(|kb| Ok(kb.submissions(SubmissionStatus::Pending, 500)?))
        .await?;
    let body = html! {
        div.review-head {
            h1 { "Moderation queue" }
            form method="post" action="/review/logout" {
                input type="hidden" name="csrf" value=(csrf);
                span { "Logged in as " strong { (reviewer.name) } " (" (reviewer.role) ") " }
                button type="submit" { "Log out" }
            }
        }
        @if pending.is_empty() {
            p { "Nothing waits for review." }
        } @else {
            form method="post" action="/review" {
                input type="hidden" name="csrf" value=(csrf);
                table.queue {
                    thead { tr { th scope="col" { "Select" } th scope="col" { "Title" } th scope="col" { "Contributor" } th scope="col" { "Received" } } }
                    tbody {
                        @for s in &pending {
                            tr {
                                td { input type="checkbox" id=(format!("sel-{}", s.public_id)) name="ids" value=(s.public_id) aria-label=(format!("Select {}", s.title)); }
                                td { a href=(format!("/review/{}", s.public_id)) { (s.title) } }
                                td { (s.contributor.as_deref().unwrap_or("anonymous")) }
                                td { (s.created_at) }
                            }
                        }
                    }
                }
                div.field {
                    label for="bulk-reason" { "Reason for rejecting the selected submissions" }
                    input #bulk-reason type="text" name="reason" value="spam";
                }
                button type="submit" name="action" value="bulk_reject" { "Reject selected" }
            }
        }
    };
    Ok((
        jar,
        page("Moderation queue", "Submissions waiting for review.", body),
    ))
}

pub async fn bulk(
    State(state): State<AppState>,
    reviewer: Reviewer,
    headers: HeaderMap,
    jar: CookieJar,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    check_csrf(&headers, &jar, get(&pairs, "csrf"))?;
    let ids: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.clone())
        .collect();
    let reason = get(&pairs, "reason").unwrap_or("spam").trim().to_string();
    state
        .run(move |kb| {
            kb.reject_many(&ids, &reviewer.name, &reason)?;
            Ok(())
        })
        .await?;
    Ok(Redirect::to("/review").into_response())
}

/// Whether `id` has the shape of a submission's public id (16 hex digits).
fn valid_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn load(state: &AppState, id: &str) -> Result<Submission, AppError> {
    if !valid_id(id) {
        return Err(AppError::NotFound);
    }
    let id = id.to_string();
    state
        .run(move |kb| Ok(kb.submission(&id)?))
        .await?
        .ok_or(AppError::NotFound)
}

fn item_page(
    state: &AppState,
    reviewer: &Reviewer,
    csrf: &str,
    sub: &Submission,
    f: &CaseForm,
    errors: &FieldErrors,
) -> Markup {
    let t = state.kb.taxonomy();
    let (case, _, notices) = f.validate(&state.kb);
    let body = html! {
        p { a href="/review" { "← Queue" } " · reviewing as " (reviewer.name) }
        h1 { "Review: " (sub.title) }
        p { "Status: " strong { (sub.status.as_str()) } " · received " (sub.created_at) " · from " (sub.contributor.as_deref().unwrap_or("anonymous")) }
        @if let Some(c) = &case { (label_summary(t, c)) }
        @if !notices.is_empty() {
            div.notices {
                p { "Unmapped labels: pick a taxonomy entry above (or fix the Other fields) and save, or approve to keep them unmapped." }
                ul { @for n in &notices { li { (n) } } }
            }
        }
        @if !errors.is_empty() {
            div.error-box role="alert" { ul { @for (field, msg) in errors { li { a href=(format!("#{field}")) { (msg) } } } } }
        }
        @if sub.status == SubmissionStatus::Pending {
            form.case-form method="post" action=(format!("/review/{}", sub.public_id)) novalidate {
                input type="hidden" name="csrf" value=(csrf);
                (fields(t, f, errors))
                div.field {
                    label for="reason" { "Reason (when rejecting)" }
                    input #reason type="text" name="reason";
                }
                div.buttons {
                    button type="submit" name="action" value="save" { "Save changes" }
                    button.primary type="submit" name="action" value="approve" { "Approve and publish" }
                    button.danger type="submit" name="action" value="reject" { "Reject" }
                }
            }
        } @else {
            p { "This submission is closed." @if let Some(c) = &sub.case_id { " " a href=(format!("/cases/{c}")) { "Read the case" } } }
        }
    };
    page("Review a submission", "Review a contributed case.", body)
}

pub async fn item(
    State(state): State<AppState>,
    reviewer: Reviewer,
    jar: CookieJar,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, AppError> {
    let (jar, csrf) = csrf_token(jar, state.config.secure_cookies);
    let sub = load(&state, &id).await?;
    let f = CaseForm::from_doc(&sub.doc);
    Ok((
        jar,
        item_page(&state, &reviewer, &csrf, &sub, &f, &FieldErrors::new()),
    ))
}

pub async fn decide(
    State(state): State<AppState>,
    reviewer: Reviewer,
    headers: HeaderMap,
    jar: CookieJar,
    Path(id): Path<String>,
    Form(pairs): Form<Pairs>,
) -> Result<Response, AppError> {
    check_csrf(&headers, &jar, get(&pairs, "csrf"))?;
    let (jar, csrf) = csrf_token(jar, state.config.secure_cookies);
    if !valid_id(&id) {
        return Err(AppError::NotFound);
    }
    // Each decision reads the submission and writes in one trip through the work queue.
    let action = get(&pairs, "action").unwrap_or("save").to_string();
    if action == "reject" {
        let reason = get(&pairs, "reason")
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .unwrap_or("not accepted")
            .to_string();
        let who = reviewer.name.clone();
        state
            .run(move |kb| {
                pending(kb, &id)?;
                Ok(kb.reject(&id, &who, &reason)?)
            })
            .await?;
        return Ok(Redirect::to("/review").into_response());
    }
    let f = CaseForm::from_pairs(&pairs);
    let (case, errors, _) = f.validate(&state.kb);
    let Some(case) = case.filter(|_| errors.is_empty()) else {
        let sub = state.run(move |kb| pending(kb, &id)).await?;
        let page = item_page(&state, &reviewer, &csrf, &sub, &f, &errors);
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, jar, page).into_response());
    };
    match action.as_str() {
        "approve" => {
            let who = reviewer.name.clone();
            let case_id = state
                .run(move |kb| {
                    pending(kb, &id)?;
                    Ok(kb.approve(&id, &who, &finalise(case))?)
                })
                .await?;
            state.refresh_clusters_in_background();
            Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
        }
        _ => {
            let (title, doc) = (case.title.clone(), f.doc());
            let public_id = state
                .run(move |kb| {
                    let sub = pending(kb, &id)?;
                    kb.update_submission(&id, &title, &doc)?;
                    Ok(sub.public_id)
                })
                .await?;
            Ok(Redirect::to(&format!("/review/{public_id}")).into_response())
        }
    }
}

/// The submission `id` if it still waits for a decision: not found, or a conflict once decided.
fn pending(kb: &notbetter_kb::KnowledgeBase, id: &str) -> Result<Submission, AppError> {
    let sub = kb.submission(id)?.ok_or(AppError::NotFound)?;
    if sub.status != SubmissionStatus::Pending {
        return Err(AppError::Conflict(
            "this submission has already been decided".into(),
        ));
    }
    Ok(sub)
}

/// Readies an approved case: its wanted id is the title's slug (the knowledge base makes it
/// unique when it writes the case, in the same transaction), its source is `contributed`, and
/// its licence the site's.
fn finalise(mut case: Case) -> Case {
    case.id = slugify(&case.title);
    case.source = notbetter_taxonomy::Source::Contributed;
    case.licence = Some("CC BY 4.0".into());
    case
}
