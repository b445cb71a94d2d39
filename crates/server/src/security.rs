//! Request-level defences: security headers, the client's address, per-IP rate limits, and
//! CSRF tokens (a double-submit cookie checked against a form field, plus an origin check).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::Rng;

use crate::error::AppError;
use crate::Config;

/// The content security policy: no inline script or style, nothing from other origins, and no
/// framing.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The security headers of every response (a handler may set its own instead).
pub const HEADERS: [(&str, &str); 6] = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("x-frame-options", "DENY"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
];

/// The client's IP address, from the connection. In-process tests have no connection and are
/// seen as 127.0.0.1 unless they insert a `ConnectInfo`.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        Ok(ClientIp(ip))
    }
}

/// Per-IP rate limiters.
pub struct Limits {
    contributions: DefaultKeyedRateLimiter<IpAddr>,
    logins: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    pub fn new(config: &Config) -> Limits {
        let n = |v: u32| NonZeroU32::new(v.max(1)).expect("non-zero");
        Limits {
            contributions: RateLimiter::keyed(Quota::per_hour(n(config.contributions_per_hour))),
            logins: RateLimiter::keyed(Quota::per_minute(n(config.logins_per_minute))),
        }
    }

    pub fn contribution(&self, ip: IpAddr) -> Result<(), AppError> {
        self.contributions.retain_recent();
        self.contributions
            .check_key(&ip)
            .map_err(|_| AppError::TooManyRequests)
    }

    pub fn login(&self, ip: IpAddr) -> Result<(), AppError> {
        self.logins.retain_recent();
        self.logins
            .check_key(&ip)
            .map_err(|_| AppError::TooManyRequests)
    }
}

pub const CSRF_COOKIE: &str = "nb_csrf";

pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// The CSRF token for this client, setting the cookie when it has none.
pub fn csrf_token(jar: CookieJar, secure: bool) -> (CookieJar, String) {
    if let Some(c) = jar.get(CSRF_COOKIE) {
        if c.value().len() == 64 {
            let v = c.value().to_string();
            return (jar, v);
        }
    }
    let token = random_token();
    let cookie = Cookie::build((CSRF_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .build();
    (jar.add(cookie), token)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a state-changing request: it must not come from another site, and the form's token
/// must equal the cookie's.
pub fn check_csrf(
    headers: &HeaderMap,
    jar: &CookieJar,
    form_token: Option<&str>,
) -> Result<(), AppError> {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return Err(AppError::Forbidden(
            "cross-site form submissions are not accepted".into(),
        ));
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin == "null" || origin_host != host {
            return Err(AppError::Forbidden(
                "this form was submitted from another site; reload the page and try again".into(),
            ));
        }
    }
    let cookie = jar.get(CSRF_COOKIE).map(|c| c.value().to_string());
    match (cookie, form_token) {
        (Some(c), Some(f)) if !c.is_empty() && constant_time_eq(c.as_bytes(), f.as_bytes()) => {
            Ok(())
        }
        _ => Err(AppError::Forbidden(
            "the form's security token is missing or has expired; reload the page and submit again"
                .into(),
        )),
    }
}
