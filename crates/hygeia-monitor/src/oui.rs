//! Vendor lookup from a MAC address prefix, using the subset of the IEEE OUI registry shipped in
//! `data/oui.tsv` (see the header of that file for its source and scope).

use crate::error::MonitorError;
use crate::model::MacAddr;
use crate::util::FxMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("../data/oui.tsv");

/// One registry entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OuiEntry {
    /// `industrial`, `medical` or `it`.
    pub category: &'static str,
    /// Organisation name as registered.
    pub organisation: &'static str,
}

/// Parses the data file; exposed for the test that guards its format.
pub fn parse(data: &'static str) -> Result<FxMap<u32, OuiEntry>, MonitorError> {
    let mut map = FxMap::default();
    for (i, line) in data.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = |reason: &str| MonitorError::OuiData {
            line: i + 1,
            reason: reason.to_owned(),
        };
        let mut parts = line.splitn(3, '\t');
        let (Some(prefix), Some(category), Some(organisation)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("expected PREFIX<TAB>CATEGORY<TAB>ORGANISATION"));
        };
        if prefix.len() != 6 {
            return Err(bad("prefix must be six hex digits"));
        }
        let key = u32::from_str_radix(prefix, 16).map_err(|_| bad("prefix is not hex"))?;
        if !matches!(category, "industrial" | "medical" | "it") {
            return Err(bad("unknown category"));
        }
        map.insert(
            key,
            OuiEntry {
                category,
                organisation,
            },
        );
    }
    Ok(map)
}

fn table() -> &'static FxMap<u32, OuiEntry> {
    static TABLE: OnceLock<FxMap<u32, OuiEntry>> = OnceLock::new();
    // The file is part of the crate and checked by a unit test; a defect yields an empty table
    // rather than a panic.
    TABLE.get_or_init(|| parse(DATA).unwrap_or_default())
}

/// The registered organisation of a globally administered unicast MAC, if in our subset.
pub fn lookup(mac: &MacAddr) -> Option<OuiEntry> {
    if mac.is_group() || mac.is_local() || mac.is_zero() {
        return None;
    }
    table().get(&mac.oui()).copied()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses_and_knows_vendors() {
        let t = parse(DATA).unwrap();
        assert!(t.len() > 1000);
        let siemens = lookup(&MacAddr([0x00, 0x1b, 0x1b, 0, 0, 1])).unwrap();
        assert!(siemens.organisation.starts_with("Siemens"));
        assert_eq!(siemens.category, "industrial");
        let rockwell = lookup(&MacAddr([0x00, 0x00, 0xbc, 0, 0, 1])).unwrap();
        assert_eq!(rockwell.organisation, "Rockwell Automation");
        // Locally administered and multicast addresses carry no vendor.
        assert_eq!(lookup(&MacAddr([0x02, 0x1b, 0x1b, 0, 0, 1])), None);
        assert_eq!(lookup(&MacAddr([0x01, 0x1b, 0x1b, 0, 0, 1])), None);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let e = parse("# c\n00001\tit\tX\n").unwrap_err();
        assert!(matches!(e, MonitorError::OuiData { line: 2, .. }));
    }
}
