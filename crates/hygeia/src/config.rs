//! Configuration: command-line flags, then `HYGEIA_*` environment variables (both handled by
//! clap), then an optional TOML file, then defaults. Invalid settings are reported by name.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use hygeia_store::DatabaseUrl;
use serde::Deserialize;

/// The optional configuration file. Every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Database URL (`postgres://…` or `sqlite://PATH`).
    pub db: Option<String>,
    /// Folder for the embedded database and other local data.
    pub data_dir: Option<PathBuf>,
    /// The instance key file.
    pub secret_key_file: Option<PathBuf>,
    /// An offline list of breached passwords (SHA-1 "Pwned Passwords" format, sorted).
    pub breached_passwords: Option<PathBuf>,
    /// Roles that must sign in with a second factor (default: administrator).
    pub mfa_required_roles: Option<Vec<String>>,
    /// Address the server listens on.
    pub listen: Option<String>,
    /// Mark session cookies `Secure` (default true).
    pub secure_cookies: Option<bool>,
    /// `text` (default) or `json` log lines.
    pub log_format: Option<String>,
    /// Largest evidence file accepted, in MiB (default 25).
    pub evidence_max_mb: Option<u64>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or blocks).
    pub trusted_proxies: Option<Vec<String>>,
    /// Connections served at once (default 1024).
    pub max_connections: Option<usize>,
    /// The address users reach Hygeia at (`https://hygeia.example.org`), for the single
    /// sign-on redirect address (default: the address of each request).
    pub public_url: Option<String>,
}

/// A setting that cannot be used, named so the operator can fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {path}: {message}")]
    File { path: String, message: String },
    #[error("setting '{setting}': {message}")]
    Setting {
        setting: &'static str,
        message: String,
    },
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}

/// The default data folder.
pub const DEFAULT_DATA_DIR: &str = "./hygeia-data";
/// The default listening address: loopback only, so nothing is exposed by accident.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Resolves the database: flag/env first, then the file, then `DATA_DIR/hygeia.db`.
pub fn database_url(
    flag: Option<&str>,
    data_dir: Option<&Path>,
    file: &FileConfig,
) -> Result<DatabaseUrl, ConfigError> {
    let dir = data_dir
        .map(Path::to_path_buf)
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    match flag.map(str::to_owned).or_else(|| file.db.clone()) {
        Some(text) => DatabaseUrl::parse(&text).map_err(|e| ConfigError::Setting {
            setting: "db (--db, HYGEIA_DB)",
            message: e.to_string(),
        }),
        None => Ok(DatabaseUrl::Sqlite(dir.join("hygeia.db"))),
    }
}

pub fn listen_address(flag: Option<&str>, file: &FileConfig) -> Result<SocketAddr, ConfigError> {
    let text = flag
        .map(str::to_owned)
        .or_else(|| file.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.into());
    text.parse().map_err(|_| ConfigError::Setting {
        setting: "listen (--listen, HYGEIA_LISTEN)",
        message: format!("'{text}' is not an address such as 127.0.0.1:8080 or [::]:8080"),
    })
}

/// The trusted reverse proxies: flag/env (comma-separated) first, then the file.
pub fn trusted_proxies(
    flag: Option<&str>,
    file: &FileConfig,
) -> Result<hygeia_web::client_address::TrustedProxies, ConfigError> {
    let listed: Vec<String> = match flag {
        Some(text) => text
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        None => file.trusted_proxies.clone().unwrap_or_default(),
    };
    listed
        .iter()
        .map(|block| {
            block
                .parse()
                .map_err(
                    |e: hygeia_web::client_address::BadAddressBlock| ConfigError::Setting {
                        setting: "trusted_proxies (--trusted-proxies, HYGEIA_TRUSTED_PROXIES)",
                        message: e.to_string(),
                    },
                )
        })
        .collect::<Result<Vec<_>, _>>()
        .map(hygeia_web::client_address::TrustedProxies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_defaults_fill_the_rest() {
        let file = FileConfig {
            db: Some("postgres://db.example/hygeia".into()),
            listen: Some("0.0.0.0:9000".into()),
            ..Default::default()
        };
        let url = database_url(Some("sqlite://x.db"), None, &file).ok();
        assert_eq!(url, Some(DatabaseUrl::Sqlite("x.db".into())));
        let url = database_url(None, None, &file).ok().map(|u| u.backend());
        assert_eq!(url, Some(hygeia_store::Backend::Postgres));
        let url = database_url(None, Some(Path::new("/var/lib/h")), &FileConfig::default()).ok();
        assert_eq!(
            url,
            Some(DatabaseUrl::Sqlite("/var/lib/h/hygeia.db".into()))
        );
        assert_eq!(
            listen_address(None, &file).ok(),
            "0.0.0.0:9000".parse().ok()
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let err = listen_address(Some("localhost"), &FileConfig::default())
            .err()
            .map(|e| e.to_string());
        assert!(err.unwrap_or_default().starts_with("setting 'listen"));
        let err = database_url(Some("mysql://x"), None, &FileConfig::default())
            .err()
            .map(|e| e.to_string());
        assert!(err.unwrap_or_default().starts_with("setting 'db"));
        let bad: Result<FileConfig, _> = toml::from_str("colour = 'blue'");
        assert!(
            bad.err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .contains("colour")
        );
    }
}
