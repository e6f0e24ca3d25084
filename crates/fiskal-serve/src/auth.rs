//! Bearer-token authentication: tokens come from files or an environment variable (never from
//! the command line, where `ps` shows them), are kept only as their SHA-256, and every API
//! request must present one (`Authorization: Bearer …`), compared in constant time. Each token
//! carries roles: `submit` (enqueue and the stateless operations), `read` (entries, stats,
//! metrics, readiness) and `operator` (requeue, cancel, reconcile; the page's actions).

use crate::error::{GatewayCode, HttpError, Lang, ServeError};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ring::digest::{digest, SHA256};
use std::path::Path;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Shortest token accepted, in bytes: a guessable token is refused at start.
pub const MIN_TOKEN_LEN: usize = 24;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Enqueue receipts and run the stateless operations.
    Submit,
    /// Read entries, stats, metrics and readiness; sign in to the page.
    Read,
    /// Operator actions (requeue, cancel), reconciliation; sign in to the page and act there.
    Operator,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Submit, Role::Read, Role::Operator];

    /// The role's name (`submit`, `read`, `operator`).
    pub fn name(self) -> &'static str {
        match self {
            Role::Submit => "submit",
            Role::Read => "read",
            Role::Operator => "operator",
        }
    }

    /// The role of a name.
    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    fn bit(self) -> u8 {
        match self {
            Role::Submit => 1,
            Role::Read => 2,
            Role::Operator => 4,
        }
    }
}

/// A bearer token with its roles, held as its SHA-256 only. `Debug` shows the roles and nothing
/// of the token.
#[derive(Clone)]
pub struct Token {
    hash: [u8; 32],
    roles: u8,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let roles: Vec<&str> = Role::ALL
            .into_iter()
            .filter(|r| self.has(*r))
            .map(Role::name)
            .collect();
        write!(f, "Token(<redacted>, {})", roles.join(","))
    }
}

impl Token {
    /// A token from its text (surrounding whitespace, such as a file's final newline, is
    /// dropped). Refused when shorter than [`MIN_TOKEN_LEN`] bytes or not printable ASCII
    /// (what an HTTP header can carry). `source_name` names where it came from, for the error.
    pub fn new(text: &str, source_name: &str) -> Result<Token, ServeError> {
        let t = text.trim();
        let bad = |problem: &str| ServeError::Token {
            source_name: source_name.to_owned(),
            problem: problem.to_owned(),
        };
        if t.is_empty() {
            return Err(bad("empty"));
        }
        if t.len() < MIN_TOKEN_LEN {
            return Err(bad(
                "shorter than 24 characters (make one with `openssl rand -hex 32`)",
            ));
        }
        if !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad(
                "only printable ASCII characters without spaces are allowed",
            ));
        }
        Ok(Token {
            hash: sha256(t.as_bytes()),
            roles: 7,
        })
    }

    /// The same token with only these roles (a token starts with all of them).
    #[must_use]
    pub fn with_roles(mut self, roles: &[Role]) -> Token {
        self.roles = roles.iter().fold(0, |acc, r| acc | r.bit());
        self
    }

    /// Whether the token has a role.
    pub fn has(&self, role: Role) -> bool {
        self.roles & role.bit() != 0
    }

    /// Reads the token from a file (its whole content, trimmed).
    pub fn from_file(path: &Path) -> Result<Token, ServeError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ServeError::Token {
            source_name: name.clone(),
            problem: format!("cannot read the file: {}", e.kind()),
        })?;
        Token::new(&text, &name)
    }

    /// Reads the token from an environment variable.
    pub fn from_env(var: &str) -> Result<Token, ServeError> {
        let text = std::env::var(var).map_err(|_| ServeError::Token {
            source_name: format!("${var}"),
            problem: "not set, or not valid UTF-8".to_owned(),
        })?;
        Token::new(&text, &format!("${var}"))
    }

    /// Whether `presented` is this token: the SHA-256 of both compared in constant time (the
    /// hashes have one length, so neither the length nor a common prefix leaks).
    pub fn matches(&self, presented: &[u8]) -> bool {
        bool::from(sha256(presented).ct_eq(&self.hash))
    }
}

fn sha256(b: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, b).as_ref());
    out
}

/// The gateway's tokens.
#[derive(Debug, Clone)]
pub(crate) struct Tokens(pub(crate) Vec<Token>);

impl Tokens {
    /// The token that `presented` is, if any. Every token is compared (in constant time each),
    /// so the time does not tell which one matched.
    pub(crate) fn find(&self, presented: &[u8]) -> Option<&Token> {
        let mut found = None;
        for t in &self.0 {
            if t.matches(presented) && found.is_none() {
                found = Some(t);
            }
        }
        found
    }
}

/// The middleware of a route that needs `role`: 401 (with `WWW-Authenticate: Bearer`, the same
/// answer for a missing and a wrong token) unless the request carries a token, 403 when that
/// token lacks the role. Tokens are never logged.
pub(crate) async fn require_role(
    State((tokens, role)): State<(Arc<Tokens>, Role)>,
    req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| {
            let b = v.as_bytes();
            let scheme = b.get(..7)?;
            scheme
                .eq_ignore_ascii_case(b"bearer ")
                .then(|| b.get(7..).unwrap_or_default())
        })
        .and_then(|t| tokens.find(t.trim_ascii()));
    let lang = Lang::from_headers(req.headers());
    match token {
        Some(t) if t.has(role) => next.run(req).await,
        Some(_) => HttpError::gateway(GatewayCode::Forbidden, lang).into_response(),
        None => HttpError::gateway(GatewayCode::Unauthorized, lang).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t = Token::new("0123456789abcdef0123456789abcdef\n", "test").expect("token");
        assert!(t.matches(b"0123456789abcdef0123456789abcdef"));
        assert!(!t.matches(b"0123456789abcdef0123456789abcdeF"));
        assert!(!t.matches(b""));
        assert!(!t.matches(b"0123456789abcdef0123456789abcdef0"));
        assert_eq!(format!("{t:?}"), "Token(<redacted>, submit,read,operator)");
        let r = t.clone().with_roles(&[Role::Read]);
        assert!(r.has(Role::Read) && !r.has(Role::Submit) && !r.has(Role::Operator));
        assert_eq!(format!("{r:?}"), "Token(<redacted>, read)");
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.name()), Some(role));
        }
        let other = Token::new("another-token-0123456789abcdef", "t").expect("token");
        let all = Tokens(vec![r, other.with_roles(&[Role::Submit])]);
        assert!(all
            .find(b"0123456789abcdef0123456789abcdef")
            .is_some_and(|t| t.has(Role::Read)));
        assert!(all
            .find(b"another-token-0123456789abcdef")
            .is_some_and(|t| t.has(Role::Submit)));
        assert!(all.find(b"nope").is_none());
        let e = Token::new("short", "FILE").expect_err("short");
        assert!(e.to_string().contains("FILE") && !e.to_string().contains("short\""));
        assert!(Token::new("0123456789abcdef 0123456789abcdef", "t").is_err());
        assert!(Token::new("   ", "t").is_err());
    }
}
