//! How a sensor talks to the hub: one HTTP/1.1 exchange per call, over TLS (rustls) for
//! `https://` hubs. The hub's certificate is checked against the system's authorities, or the
//! authorities of a CA file (the usual case on a plant network with its own CA), and can be
//! pinned to one certificate by its SHA-256 (then no authority is needed: a self-signed hub
//! certificate works, and no other certificate does).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use crate::config::ConfigError;

/// Where the hub is and how to reach it.
pub struct Hub {
    host: String,
    port: u16,
    /// The base path (empty, or `/prefix` behind a reverse proxy).
    base: String,
    /// TLS settings for an `https://` hub.
    tls: Option<Arc<ClientConfig>>,
}

/// How the sensor trusts an `https://` hub.
#[derive(Debug, Clone, Default)]
pub struct TlsTrust {
    /// PEM file of the authorities to trust instead of the system's.
    pub ca_file: Option<PathBuf>,
    /// SHA-256 of the hub's certificate (hex, colons allowed): only that certificate is
    /// accepted.
    pub pin_sha256: Option<String>,
}

fn bad(setting: &'static str, message: String) -> ConfigError {
    ConfigError::Setting { setting, message }
}

/// Accepts exactly one certificate, by its SHA-256; signatures are still checked.
#[derive(Debug)]
struct Pinned {
    sha256: [u8; 32],
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if Sha256::digest(end_entity.as_ref())[..] == self.sha256[..] {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "the hub's certificate is not the pinned one".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn parse_pin(text: &str) -> Result<[u8; 32], ConfigError> {
    let hex_text: String = text.chars().filter(|c| *c != ':').collect();
    hex::decode(&hex_text)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| {
            bad(
                "--pin-sha256",
                format!("'{text}' is not a SHA-256 in hexadecimal (64 digits, colons allowed)"),
            )
        })
}

fn roots(ca_file: Option<&Path>) -> anyhow::Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad("--ca-file", format!("cannot read {}: {e}", path.display())))?;
            for certificate in certificates {
                let certificate = certificate
                    .map_err(|e| bad("--ca-file", format!("{}: {e}", path.display())))?;
                store
                    .add(certificate)
                    .map_err(|e| bad("--ca-file", format!("{}: {e}", path.display())))?;
            }
            if store.is_empty() {
                return Err(bad(
                    "--ca-file",
                    format!("{} holds no certificate", path.display()),
                )
                .into());
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for certificate in found.certs {
                let _ = store.add(certificate);
            }
            if store.is_empty() {
                bail!(
                    "no trusted authority found on this system: give the hub's CA with --ca-file, \
                     or pin its certificate with --pin-sha256"
                );
            }
        }
    }
    Ok(store)
}

fn tls_config(trust: &TlsTrust) -> anyhow::Result<Arc<ClientConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("no TLS version available")?;
    let config = match &trust.pin_sha256 {
        Some(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                sha256: parse_pin(pin)?,
                provider,
            }))
            .with_no_client_auth(),
        None => builder
            .with_root_certificates(roots(trust.ca_file.as_deref())?)
            .with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// Reads the hub's URL: `http://` (a hub on a trusted link, or a local TLS proxy) or
/// `https://` with `trust`.
pub fn parse_hub(text: &str, trust: &TlsTrust) -> anyhow::Result<Hub> {
    let url = url::Url::parse(text)
        .map_err(|e| bad("--hub (HYGEIA_HUB)", format!("'{text}' is not a URL: {e}")))?;
    let tls = match url.scheme() {
        "http" => {
            if trust.ca_file.is_some() || trust.pin_sha256.is_some() {
                return Err(bad(
                    "--hub (HYGEIA_HUB)",
                    "--ca-file and --pin-sha256 need an https:// hub".into(),
                )
                .into());
            }
            None
        }
        "https" => Some(tls_config(trust)?),
        other => {
            return Err(bad(
                "--hub (HYGEIA_HUB)",
                format!("scheme '{other}' is not supported: use https:// (or http://)"),
            )
            .into());
        }
    };
    let host = url
        .host_str()
        .ok_or_else(|| bad("--hub (HYGEIA_HUB)", "the URL has no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok(Hub {
        port: url.port_or_known_default().unwrap_or(80),
        base: url.path().trim_end_matches('/').to_owned(),
        host,
        tls,
    })
}

fn exchange(stream: &mut dyn ReadWrite, head: &str, body: &[u8]) -> anyhow::Result<String> {
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut response = Vec::new();
    match stream.read_to_end(&mut response) {
        Ok(_) => {}
        // Some servers close TLS without a close_notify once the answer is complete.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !response.is_empty() => {}
        Err(e) => return Err(e.into()),
    }
    Ok(String::from_utf8_lossy(&response).into_owned())
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

/// One HTTP/1.1 exchange with the hub: the status and the body.
pub fn call_hub(
    hub: &Hub,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> anyhow::Result<(u16, String)> {
    let tcp = TcpStream::connect((hub.host.as_str(), hub.port))
        .with_context(|| format!("cannot reach the hub at {}:{}", hub.host, hub.port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(60)))?;
    let head = format!(
        "{method} {}{path} HTTP/1.1\r\nHost: {}:{}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        hub.base,
        hub.host,
        hub.port,
        body.len()
    );
    let response = match &hub.tls {
        None => {
            let mut tcp = tcp;
            exchange(&mut tcp, &head, body)?
        }
        Some(config) => {
            let name = ServerName::try_from(hub.host.clone())
                .with_context(|| format!("'{}' is not a host name for TLS", hub.host))?;
            let connection =
                rustls::ClientConnection::new(config.clone(), name).context("cannot start TLS")?;
            let mut stream = rustls::StreamOwned::new(connection, tcp);
            exchange(&mut stream, &head, body)
                .with_context(|| format!("TLS exchange with the hub at {} failed", hub.host))?
        }
    };
    let status: u16 = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hub_addresses_and_trust_settings_are_checked() {
        let none = TlsTrust::default();
        let hub = parse_hub("http://hub.plant.local:8080/hygeia/", &none).unwrap();
        assert_eq!(
            (hub.host.as_str(), hub.port, hub.base.as_str()),
            ("hub.plant.local", 8080, "/hygeia")
        );
        assert!(hub.tls.is_none());
        let pinned = TlsTrust {
            pin_sha256: Some("AB:".repeat(31) + "AB"),
            ..TlsTrust::default()
        };
        let hub = parse_hub("https://10.0.0.5", &pinned).unwrap();
        assert_eq!(hub.port, 443);
        assert!(hub.tls.is_some());
        assert!(
            parse_hub(
                "https://hub",
                &TlsTrust {
                    pin_sha256: Some("zz".into()),
                    ..TlsTrust::default()
                }
            )
            .is_err()
        );
        assert!(
            parse_hub("http://hub", &pinned).is_err(),
            "a pin on plain HTTP means nothing"
        );
        assert!(parse_hub("ftp://hub", &none).is_err());
        let missing = TlsTrust {
            ca_file: Some(PathBuf::from("/nonexistent/ca.pem")),
            ..TlsTrust::default()
        };
        let error = parse_hub("https://hub", &missing)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
    }
}
