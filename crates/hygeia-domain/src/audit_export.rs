//! Audit records written for other tools: JSON lines, and syslog messages (RFC 5424) that a
//! SIEM collects; and the seal of a whole export, so an auditor's copy can be checked later.

use sha2::{Digest, Sha256};

use crate::audit::{AuditKey, AuditRecord};

/// One record as one line of JSON (every field, seal included).
pub fn json_line(record: &AuditRecord) -> String {
    serde_json::to_string(record).unwrap_or_default()
}

/// RFC 5424 private enterprise number used in structured data. 32473 is the number RFC 5612
/// reserves for documentation; deployments that register their own can change it.
pub const ENTERPRISE_NUMBER: u32 = 32473;

/// Escapes a structured-data parameter value (RFC 5424 §6.3.3: `"`, `\` and `]`).
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        // Line breaks would split the message in line-based transports.
        match c {
            '\n' | '\r' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}

/// A header field (`HOSTNAME`, `MSGID`): printable US-ASCII without spaces, `-` when empty.
fn header_field(value: &str, max: usize) -> String {
    let clean: String = value
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if clean.is_empty() { "-".into() } else { clean }
}

/// One record as an RFC 5424 message: facility 13 (log audit), severity notice (5) for
/// changes and warning (4) for refused sign-ins and second factors.
pub fn syslog_line(record: &AuditRecord, hostname: &str) -> String {
    let severity = if record.action.ends_with("_failed") {
        4
    } else {
        5
    };
    let priority = 13 * 8 + severity;
    let mut params = vec![
        ("seq", record.seq.to_string()),
        ("actor", record.actor_label.clone()),
        ("source", record.source.clone()),
        ("object_type", record.object_type.clone()),
        ("object_id", record.object_id.clone()),
        ("hash", record.hash.clone()),
    ];
    if let Some(entity) = &record.entity_id {
        params.push(("entity", entity.clone()));
    }
    if let Some(request) = &record.request_id {
        params.push(("request_id", request.clone()));
    }
    if let Some(mac) = &record.mac {
        params.push(("seal", mac.clone()));
    }
    let data: String = params
        .iter()
        .map(|(name, value)| format!(" {name}=\"{}\"", sd_escape(value)))
        .collect();
    format!(
        "<{priority}>1 {} {} hygeia - {} [audit@{ENTERPRISE_NUMBER}{data}] {} {} {}",
        record.at,
        header_field(hostname, 255),
        header_field(&record.action, 32),
        record.action,
        record.object_type,
        record.object_id
    )
}

/// The last line of a sealed export: how many lines came before, their SHA-256, and an HMAC of
/// that under the instance key. Changing, adding or removing any line changes the digest, and
/// only the instance can seal a new one.
pub fn export_seal(lines: &[String], key: &AuditKey) -> String {
    let digest = lines_digest(lines);
    serde_json::json!({
        "export": {
            "lines": lines.len(),
            "sha256": digest,
            "seal": key.seal(&digest),
            "key": key.fingerprint(),
        }
    })
    .to_string()
}

fn lines_digest(lines: &[String]) -> String {
    let mut hasher = Sha256::new();
    for line in lines {
        hasher.update(line.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// Checks a sealed export (its lines, the seal line last) with the instance key.
pub fn check_export(text: &str, key: &AuditKey) -> Result<usize, String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let seal = lines.pop().ok_or("the export is empty")?;
    let seal: serde_json::Value =
        serde_json::from_str(&seal).map_err(|_| "the last line is not a seal")?;
    let export = &seal["export"];
    let digest = lines_digest(&lines);
    if export["lines"].as_u64() != Some(lines.len() as u64) {
        return Err("lines were added or removed".into());
    }
    if export["sha256"].as_str() != Some(digest.as_str()) {
        return Err("the lines were changed".into());
    }
    if export["seal"].as_str() != Some(key.seal(&digest).as_str()) {
        return Err("the seal was not made with this instance's key".into());
    }
    Ok(lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditEntry, GENESIS_HASH};

    fn record() -> AuditRecord {
        AuditEntry {
            at: "2026-12-02T10:00:00.000000Z".into(),
            actor_id: None,
            actor_label: "ciso@example.org".into(),
            source: "192.0.2.1".into(),
            request_id: Some("r-1".into()),
            action: "auth.login_failed".into(),
            object_type: "user".into(),
            object_id: "x\"]\\ y".into(),
            entity_id: None,
            before: None,
            after: Some("{\"email\":\"ciso@example.org\"}".into()),
        }
        .seal(1, GENESIS_HASH, Some(&AuditKey::new([1; 32])))
    }

    #[test]
    fn syslog_lines_follow_rfc_5424() {
        let line = syslog_line(&record(), "hub 01");
        assert!(line.starts_with("<108>1 2026-12-02T10:00:00.000000Z hub01 hygeia - auth.login_failed [audit@32473 seq=\"1\""), "{line}");
        // Characters that would end a parameter are escaped.
        assert!(line.contains("object_id=\"x\\\"\\]\\\\ y\""), "{line}");
        assert!(line.contains(" seal=\""));
        assert!(!line.contains('\n'));
    }

    #[test]
    fn json_lines_carry_every_field() {
        let value: serde_json::Value =
            serde_json::from_str(&json_line(&record())).unwrap_or_default();
        assert_eq!(value["seq"], 1);
        assert_eq!(value["action"], "auth.login_failed");
        assert!(value["mac"].is_string());
    }

    #[test]
    fn a_sealed_export_detects_any_change() {
        let key = AuditKey::new([5; 32]);
        let lines = vec![json_line(&record()), "second".to_owned()];
        let mut text = lines.join("\n");
        text.push('\n');
        text.push_str(&export_seal(&lines, &key));
        assert_eq!(check_export(&text, &key), Ok(2));
        assert!(check_export(&text.replace("second", "other"), &key).is_err());
        assert!(check_export(&text.replacen("second\n", "", 1), &key).is_err());
        assert!(check_export(&text, &AuditKey::new([6; 32])).is_err());
    }
}
