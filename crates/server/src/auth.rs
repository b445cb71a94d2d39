//! Reviewer accounts: argon2 password hashes, sessions in the store, and the `Reviewer`
//! extractor that guards moderation pages.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::AppState;

pub const SESSION_COOKIE: &str = "nb_session";

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, String> {
    let bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&bytes).map_err(|e| format!("cannot make a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// A hash to verify against when the user does not exist, so that a login for an unknown name
/// costs the same time as one for a known name.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// Verifies a password against a stored hash (argon2's comparison is constant-time).
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let stored = hash.unwrap_or_else(|| dummy_hash());
    let ok = PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false);
    ok && hash.is_some()
}

/// Sessions are stored by the hash of their token, so a leaked database holds no usable token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A logged-in reviewer or admin.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub name: String,
    pub role: String,
}

/// Unauthenticated requests to moderation pages are sent to the login form.
pub struct LoginRequired;

impl IntoResponse for LoginRequired {
    fn into_response(self) -> Response {
        Redirect::to("/review/login").into_response()
    }
}

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else {
            return Err(LoginRequired.into_response());
        };
        let hash = token_hash(&token);
        let user = state
            .run(move |kb| Ok(kb.session_user(&hash)?))
            .await
            .map_err(IntoResponse::into_response)?;
        match user {
            Some(u) => Ok(Reviewer {
                name: u.name,
                role: u.role,
            }),
            None => Err(LoginRequired.into_response()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", Some(&h)));
        assert!(!verify_password("wrong", Some(&h)));
        assert!(!verify_password("correct horse", None));
    }
}
