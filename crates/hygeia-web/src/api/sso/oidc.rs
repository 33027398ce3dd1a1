//! The OpenID Connect protocol as a relying party: discovery (or the endpoints entered by
//! hand), the authorisation request with state, nonce and PKCE (S256), the code exchange, and
//! the ID token checks (signature against the provider's JWKS, issuer, audience, nonce,
//! expiry) done by the `openidconnect` crate. The HTTP calls go through one hyper client over
//! rustls (ring, the system's certificates), without following redirects, with short
//! timeouts and bounded answers.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, header};
use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hygeia_store::SsoProvider;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{ClientId, ClientSecret, IssuerUrl, Nonce, PkceCodeChallenge};
use serde_json::Value;

/// Why a provider could not be used or an answer was refused. Never carries a secret.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    #[error("the provider's answer is not usable: {0}")]
    BadAnswer(String),
    #[error("the provider refused the code: {0}")]
    TokenRefused(String),
    #[error("the ID token was refused: {0}")]
    IdToken(String),
}

/// Where to send the browser and how to exchange and check what comes back.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorization: String,
    pub token: String,
    pub jwks: String,
}

/// A sign-in to send to the provider: its address, and what to keep server-side.
pub struct Authorisation {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Who the provider says signed in, from a checked ID token.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// `None` when the token has no `email_verified` claim (Microsoft Entra ID).
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    pub groups: Vec<String>,
    pub amr: Vec<String>,
    pub acr: Option<String>,
}

/// Longest answer read from a provider.
const MAX_ANSWER: usize = 1024 * 1024;
/// Longest wait for a provider's whole answer.
const TIMEOUT: Duration = Duration::from_secs(10);

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

fn client() -> Result<&'static Client<Https, Full<Bytes>>, OidcError> {
    static CLIENT: OnceLock<Option<Client<Https, Full<Bytes>>>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut http = HttpConnector::new();
            http.enforce_http(false);
            http.set_connect_timeout(Some(Duration::from_secs(5)));
            let builder = hyper_rustls::HttpsConnectorBuilder::new();
            let builder = match builder.with_provider_and_native_roots(provider.clone()) {
                Ok(builder) => builder,
                Err(error) => {
                    // No system certificates: HTTPS providers cannot be checked (refused).
                    tracing::warn!(%error, "no system certificates for the OIDC client");
                    let tls = rustls::ClientConfig::builder_with_provider(provider)
                        .with_safe_default_protocol_versions()
                        .ok()?
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth();
                    hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls)
                }
            };
            let connector = builder.https_or_http().enable_http1().wrap_connector(http);
            Some(Client::builder(TokioExecutor::new()).build(connector))
        })
        .as_ref()
        .ok_or_else(|| OidcError::Unreachable("no HTTP client".into()))
}

/// Sends a request and reads the answer (status and at most [`MAX_ANSWER`] bytes).
async fn send(request: Request<Full<Bytes>>) -> Result<(u16, Vec<u8>), OidcError> {
    let what = format!(
        "{}{}",
        request.uri().authority().map_or("", |a| a.as_str()),
        request.uri().path()
    );
    let call = async {
        let response = client()?
            .request(request)
            .await
            .map_err(|e| OidcError::Unreachable(format!("{what}: {e}")))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|e| OidcError::BadAnswer(format!("{what}: {e}")))?
            .to_bytes();
        Ok((status, body.to_vec()))
    };
    tokio::time::timeout(TIMEOUT, call)
        .await
        .map_err(|_| OidcError::Unreachable(format!("{what}: no answer in time")))?
}

async fn get_json(url: &str) -> Result<Value, OidcError> {
    let request = Request::get(url)
        .header(header::ACCEPT, "application/json")
        .header(header::USER_AGENT, "Hygeia")
        .body(Full::default())
        .map_err(|e| OidcError::BadAnswer(format!("{url}: {e}")))?;
    let (status, body) = send(request).await?;
    if status != 200 {
        return Err(OidcError::BadAnswer(format!("{url} answered {status}")));
    }
    serde_json::from_slice(&body).map_err(|e| OidcError::BadAnswer(format!("{url}: {e}")))
}

/// The provider's endpoints: from its discovery document (whose issuer must be the one
/// configured), or as entered.
pub async fn endpoints(provider: &SsoProvider) -> Result<Endpoints, OidcError> {
    if !provider.discovery {
        let field = |v: &Option<String>, name: &str| {
            v.clone()
                .ok_or_else(|| OidcError::BadAnswer(format!("no {name} is configured")))
        };
        return Ok(Endpoints {
            authorization: field(&provider.authorization_endpoint, "authorization endpoint")?,
            token: field(&provider.token_endpoint, "token endpoint")?,
            jwks: field(&provider.jwks_uri, "JWKS address")?,
        });
    }
    let url = format!("{}/.well-known/openid-configuration", provider.issuer);
    let doc = get_json(&url).await?;
    let text = |name: &str| {
        doc.get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| OidcError::BadAnswer(format!("the discovery document has no {name}")))
    };
    let issuer = text("issuer")?;
    if issuer.trim_end_matches('/') != provider.issuer {
        return Err(OidcError::BadAnswer(format!(
            "the discovery document names the issuer {issuer}, not {} (for Microsoft Entra ID, \
             use the issuer of your tenant)",
            provider.issuer
        )));
    }
    Ok(Endpoints {
        authorization: text("authorization_endpoint")?,
        token: text("token_endpoint")?,
        jwks: text("jwks_uri")?,
    })
}

fn random() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The authorisation request (code flow with PKCE S256, state and nonce).
pub fn authorisation(
    provider: &SsoProvider,
    endpoints: &Endpoints,
    redirect_uri: &str,
    lang: &str,
) -> Result<Authorisation, OidcError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = random();
    let nonce = random();
    let mut url = url::Url::parse(&endpoints.authorization)
        .map_err(|e| OidcError::BadAnswer(format!("authorization endpoint: {e}")))?;
    let scope = std::iter::once("openid")
        .chain(provider.scopes.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &scope)
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256")
        .append_pair("ui_locales", lang);
    Ok(Authorisation {
        url: url.into(),
        state,
        nonce,
        pkce_verifier: verifier.secret().clone(),
    })
}

/// Exchanges the code at the token endpoint (client secret in HTTP Basic, RFC 6749 §2.3.1)
/// and returns the ID token as received.
pub async fn exchange(
    provider: &SsoProvider,
    secret: Option<&str>,
    endpoints: &Endpoints,
    code: &str,
    redirect_uri: &str,
    pkce_verifier: &str,
) -> Result<String, OidcError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", pkce_verifier),
    ];
    let mut request = Request::post(&endpoints.token)
        .header(header::ACCEPT, "application/json")
        .header(header::USER_AGENT, "Hygeia")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    match secret {
        Some(secret) => {
            let encode =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let basic = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                encode(&provider.client_id),
                encode(secret)
            ));
            request = request.header(header::AUTHORIZATION, format!("Basic {basic}"));
        }
        None => form.push(("client_id", &provider.client_id)),
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let request = request
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| OidcError::BadAnswer(format!("token endpoint: {e}")))?;
    let (status, body) = send(request).await?;
    let answer: Value = serde_json::from_slice(&body)
        .map_err(|e| OidcError::BadAnswer(format!("token endpoint ({status}): {e}")))?;
    if status != 200 {
        let error = answer
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        return Err(OidcError::TokenRefused(format!("{status} {error}")));
    }
    answer
        .get("id_token")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| OidcError::BadAnswer("the token answer has no id_token".into()))
}

/// The provider's signing keys.
pub async fn keys(endpoints: &Endpoints) -> Result<CoreJsonWebKeySet, OidcError> {
    let doc = get_json(&endpoints.jwks).await?;
    serde_json::from_value(doc).map_err(|e| OidcError::BadAnswer(format!("JWKS: {e}")))
}

/// Checks an ID token (signature by one of `keys` with an asymmetric algorithm, issuer,
/// audience and authorised party, expiry, nonce) and returns its claims.
pub fn check_id_token(
    issuer: &str,
    client_id: &str,
    secret: Option<&str>,
    keys: CoreJsonWebKeySet,
    id_token: &str,
    nonce: &str,
) -> Result<Value, OidcError> {
    use CoreJwsSigningAlgorithm as A;
    let bad = |e: &dyn std::fmt::Display| OidcError::IdToken(e.to_string());
    let issuer_url = IssuerUrl::new(issuer.to_owned()).map_err(|e| bad(&e))?;
    let client = ClientId::new(client_id.to_owned());
    let verifier = match secret {
        Some(secret) => CoreIdTokenVerifier::new_confidential_client(
            client,
            ClientSecret::new(secret.to_owned()),
            issuer_url,
            keys,
        ),
        None => CoreIdTokenVerifier::new_public_client(client, issuer_url, keys),
    }
    .set_allowed_algs([
        A::RsaSsaPkcs1V15Sha256,
        A::RsaSsaPkcs1V15Sha384,
        A::RsaSsaPkcs1V15Sha512,
        A::RsaSsaPssSha256,
        A::RsaSsaPssSha384,
        A::RsaSsaPssSha512,
        A::EcdsaP256Sha256,
        A::EcdsaP384Sha384,
        A::EdDsa,
    ]);
    let token: CoreIdToken = id_token.parse().map_err(|e| bad(&e))?;
    token
        .claims(&verifier, &Nonce::new(nonce.to_owned()))
        .map_err(|e| bad(&e))?;
    // Checked: now every claim, standard or not (groups), is read from the payload.
    id_token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|p| serde_json::from_slice::<Value>(&p).ok())
        .ok_or_else(|| OidcError::IdToken("unreadable payload".into()))
}

/// The values of a claim that is a list of strings, or one string.
fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// Reads an identity from checked claims; `groups_claim` may be a dotted path
/// (`realm_access.roles`), empty for the default `groups`.
pub fn identity(claims: &Value, groups_claim: &str) -> Identity {
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    let path = if groups_claim.is_empty() {
        "groups"
    } else {
        groups_claim
    };
    let groups = claims
        .get(path)
        .or_else(|| path.split('.').try_fold(claims, |v, key| v.get(key)));
    Identity {
        issuer: text("iss").unwrap_or_default(),
        subject: text("sub").unwrap_or_default(),
        email: text("email"),
        email_verified: match claims.get("email_verified") {
            Some(Value::Bool(b)) => Some(*b),
            // Some providers send it as a string.
            Some(Value::String(s)) => Some(s == "true"),
            _ => None,
        },
        name: text("name"),
        groups: strings(groups),
        amr: strings(claims.get("amr")),
        acr: text("acr"),
    }
}

/// Whether the provider says the sign-in used more than one factor: an `amr` value of a
/// second factor, or the `acr` value the configuration names.
pub fn multi_factor(identity: &Identity, mfa_acr: Option<&str>) -> bool {
    const STRONG: [&str; 6] = ["mfa", "otp", "hwk", "swk", "sc", "fido"];
    identity.amr.iter().any(|m| STRONG.contains(&m.as_str()))
        || mfa_acr.is_some_and(|acr| identity.acr.as_deref() == Some(acr))
}
