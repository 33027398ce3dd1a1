//! The instance key, kept outside the database, and what it protects inside it.
//!
//! One secret file (32 random bytes, hex, readable by the service account only) seals the
//! audit trail and, through keys derived from it, encrypts second-factor secrets and keys the
//! hashes of recovery codes. Someone who copies the database without that file can neither
//! forge audit records nor read TOTP secrets nor test recovery codes offline. Several hub
//! instances on one PostgreSQL database share the same file (or secret).

use std::path::Path;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use hygeia_domain::audit::AuditKey;
use rand::RngCore;

use crate::error::{Result, StoreError};

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::File {
        path: path.display().to_string(),
        source,
    }
}

/// Reads the instance key from `path`, creating it (mode 0600) when the file does not exist.
/// Returns the key and whether it was just created.
pub fn load_or_create_key(path: &Path) -> Result<(AuditKey, bool)> {
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(file_error(path))?;
        return parse_key(text.trim())
            .map(|key| (key, false))
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "the key file {} does not hold 64 hexadecimal characters",
                    path.display()
                ))
            });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::files::private_dir(dir)?;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    crate::files::new_private_file(path)?;
    std::fs::write(path, format!("{}\n", hex::encode(bytes))).map_err(file_error(path))?;
    Ok((AuditKey::new(bytes), true))
}

fn parse_key(text: &str) -> Option<AuditKey> {
    let bytes = hex::decode(text).ok()?;
    let array: [u8; 32] = bytes.try_into().ok()?;
    Some(AuditKey::new(array))
}

/// Encrypts a small secret for storage, bound to `owner` (a user id): a ciphertext moved to
/// another user's row does not decrypt.
pub(crate) fn seal_secret(key: &AuditKey, owner: &str, secret: &[u8]) -> Result<String> {
    let cipher = ChaCha20Poly1305::new(&key.derive("second-factor secrets").into());
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut nonce);
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: secret,
                aad: owner.as_bytes(),
            },
        )
        .map_err(|_| StoreError::Corrupt("could not encrypt a secret".into()))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(base64::engine::general_purpose::STANDARD.encode(out))
}

/// Decrypts what [`seal_secret`] wrote for `owner`.
pub(crate) fn open_secret(key: &AuditKey, owner: &str, stored: &str) -> Result<Vec<u8>> {
    let corrupt = || {
        StoreError::Corrupt(
            "a second-factor secret does not decrypt (another instance key, or altered)".into(),
        )
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .map_err(|_| corrupt())?;
    if bytes.len() < 12 {
        return Err(corrupt());
    }
    let (nonce, sealed) = bytes.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| corrupt())?;
    let cipher = ChaCha20Poly1305::new(&key.derive("second-factor secrets").into());
    cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: sealed,
                aad: owner.as_bytes(),
            },
        )
        .map_err(|_| corrupt())
}

/// The keyed hash of a recovery code of `owner` (already normalised).
pub(crate) fn recovery_hash(key: &AuditKey, owner: &str, code: &str) -> String {
    let derived = key.derive("recovery codes");
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&derived) else {
        return String::new();
    };
    mac.update(owner.as_bytes());
    mac.update(b"\0");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_only_for_their_owner_and_key() {
        let key = AuditKey::new([3; 32]);
        let stored = seal_secret(&key, "user-1", b"totp secret").unwrap();
        assert_eq!(
            open_secret(&key, "user-1", &stored).unwrap(),
            b"totp secret"
        );
        assert!(open_secret(&key, "user-2", &stored).is_err());
        assert!(open_secret(&AuditKey::new([4; 32]), "user-1", &stored).is_err());
        assert_ne!(stored, seal_secret(&key, "user-1", b"totp secret").unwrap());
    }

    #[test]
    fn the_key_file_is_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("hygeia-key-{}", uuid::Uuid::now_v7()));
        let path = dir.join("secret.key");
        let (first, created) = load_or_create_key(&path).unwrap();
        assert!(created);
        let (again, created) = load_or_create_key(&path).unwrap();
        assert!(!created);
        assert_eq!(first.fingerprint(), again.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(
            load_or_create_key(&path),
            Err(StoreError::Corrupt(_))
        ));
        let _ = std::fs::remove_dir_all(dir);
    }
}
