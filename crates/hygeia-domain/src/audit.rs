//! The audit trail's hash chain.
//!
//! Every change appends one [`AuditRecord`]; record *n* carries the hash of record *n − 1*, and
//! its own hash covers every field plus that previous hash. Changing, removing or reordering any
//! record (with the database's own tools, bypassing Hygeia) breaks the chain at that point, and
//! [`ChainVerifier`] names the first record where it breaks.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The previous-hash of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One append-only record of the audit trail, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    /// When, as written by [`crate::clock::format_instant`].
    pub at: String,
    /// The user who acted, if any (none for the system itself).
    pub actor_id: Option<String>,
    /// A readable name for the actor: e-mail address, `system` or `cli`.
    pub actor_label: String,
    /// Where from: client IP address, or `cli`.
    pub source: String,
    /// Correlates with the request's log lines.
    pub request_id: Option<String>,
    /// What was done, `object.verb` (for example `entity.update`).
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// The legal entity the object belongs to, for need-to-know filtering.
    pub entity_id: Option<String>,
    /// The object before the change, as JSON text (none on creation).
    pub before: Option<String>,
    /// The object after the change, as JSON text (none on deletion).
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of a record that its author supplies; the chain supplies seq and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub source: String,
    pub request_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditEntry {
    /// Seals the entry as record `seq` following a record whose hash is `prev_hash`.
    pub fn seal(self, seq: i64, prev_hash: &str) -> AuditRecord {
        let mut record = AuditRecord {
            seq,
            at: self.at,
            actor_id: self.actor_id,
            actor_label: self.actor_label,
            source: self.source,
            request_id: self.request_id,
            action: self.action,
            object_type: self.object_type,
            object_id: self.object_id,
            entity_id: self.entity_id,
            before: self.before,
            after: self.after,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        record.hash = record_hash(&record);
        record
    }
}

/// The SHA-256 of a record's fields and previous hash, hex-encoded.
///
/// Every field is length-prefixed and optional fields carry a presence tag, so no two different
/// records serialise to the same bytes.
pub fn record_hash(record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| match value {
        None => hasher.update([0u8]),
        Some(text) => {
            hasher.update([1u8]);
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
    };
    let seq = record.seq.to_string();
    field(Some(&seq));
    field(Some(&record.at));
    field(record.actor_id.as_deref());
    field(Some(&record.actor_label));
    field(Some(&record.source));
    field(record.request_id.as_deref());
    field(Some(&record.action));
    field(Some(&record.object_type));
    field(Some(&record.object_id));
    field(record.entity_id.as_deref());
    field(record.before.as_deref());
    field(record.after.as_deref());
    field(Some(&record.prev_hash));
    hex::encode(hasher.finalize())
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("record {expected} is missing (the next record found is {found})")]
    Missing { expected: i64, found: i64 },
    #[error("record {seq} was altered: its content no longer matches its hash")]
    Altered { seq: i64 },
    #[error("record {seq} does not follow record {}: its previous-hash link is wrong", seq - 1)]
    Relinked { seq: i64 },
    #[error(
        "the trail ends at record {last_seq} but {head_seq} records were written: the last records were removed"
    )]
    Truncated { last_seq: i64, head_seq: i64 },
    #[error("the chain head does not match the last record {seq}")]
    HeadMismatch { seq: i64 },
}

/// Walks records in `seq` order and stops at the first break.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
        }
    }

    /// Checks the next record of the trail.
    pub fn check(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        if record.seq != self.expected_seq {
            return Err(ChainBreak::Missing {
                expected: self.expected_seq,
                found: record.seq,
            });
        }
        if record_hash(record) != record.hash {
            return Err(ChainBreak::Altered { seq: record.seq });
        }
        if record.prev_hash != self.prev_hash {
            return Err(ChainBreak::Relinked { seq: record.seq });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&record.hash);
        Ok(())
    }

    /// Checks that the trail ends where the chain head says it does. Returns the record count.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if head_seq > last_seq {
            return Err(ChainBreak::Truncated { last_seq, head_seq });
        }
        if head_seq < last_seq || head_hash != self.prev_hash {
            return Err(ChainBreak::HeadMismatch { seq: last_seq });
        }
        Ok(last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: "2026-01-01T00:00:00.000000Z".into(),
            actor_id: Some("u1".into()),
            actor_label: "ciso@example.org".into(),
            source: "127.0.0.1".into(),
            request_id: None,
            action: action.into(),
            object_type: "entity".into(),
            object_id: "e1".into(),
            entity_id: Some("e1".into()),
            before: None,
            after: Some(r#"{"name":"Plant"}"#.into()),
        }
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let record = entry("entity.update").seal(seq, &prev);
                prev.clone_from(&record.hash);
                record
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut verifier = ChainVerifier::new();
        for record in records {
            verifier.check(record)?;
        }
        verifier.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let records = chain(5);
        let head = records.last().map(|r| r.hash.clone()).unwrap_or_default();
        assert_eq!(verify(&records, (5, &head)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn each_kind_of_tampering_names_the_first_bad_record() {
        let records = chain(5);
        let head = records.last().map(|r| r.hash.clone()).unwrap_or_default();

        let mut altered = records.clone();
        altered[2].after = Some(r#"{"name":"Other"}"#.into());
        assert_eq!(
            verify(&altered, (5, &head)),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut removed = records.clone();
        removed.remove(1);
        assert_eq!(
            verify(&removed, (5, &head)),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );

        // Rewriting a record and re-hashing it still breaks the link of the next one.
        let mut rehashed = records.clone();
        rehashed[1].actor_label = "intruder".into();
        rehashed[1].hash = record_hash(&rehashed[1]);
        assert_eq!(
            verify(&rehashed, (5, &head)),
            Err(ChainBreak::Relinked { seq: 3 })
        );

        assert_eq!(
            verify(&records[..4], (5, &head)),
            Err(ChainBreak::Truncated {
                last_seq: 4,
                head_seq: 5
            })
        );
    }

    #[test]
    fn absent_and_empty_optional_fields_hash_differently() {
        let mut a = entry("x").seal(1, GENESIS_HASH);
        let mut b = a.clone();
        a.request_id = None;
        b.request_id = Some(String::new());
        assert_ne!(record_hash(&a), record_hash(&b));
    }
}
