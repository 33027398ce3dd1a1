//! The inventory's changes and zone findings said in the reader's language, from the fields the
//! store keeps. Records kept only as the sensors' English sentence (before release 0.6) show
//! that sentence, marked as English.

use hygeia_monitor::protocol_label;
use hygeia_store::monitoring::{AssetEvent, EventDetail, FindingZones, StoredFinding};

use super::i18n::Tr;

/// A sentence and, when it is the stored English text on a page in another language, `en` for
/// its `lang` attribute.
pub struct Sentence {
    pub text: String,
    pub lang: Option<&'static str>,
}

impl Sentence {
    fn said(text: String) -> Self {
        Sentence { text, lang: None }
    }

    fn stored_english(tr: Tr, text: &str) -> Self {
        Sentence {
            text: text.to_owned(),
            lang: (tr.code() != "en").then_some("en"),
        }
    }
}

/// Operation classes (`read`, `write`, …) by their names in the page's language.
pub fn operations(tr: Tr, operations: &[String]) -> String {
    operations
        .iter()
        .map(|op| tr.label("assets.operation", op))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What changed, to follow the event's kind label.
pub fn event(tr: Tr, event: &AssetEvent) -> Sentence {
    let Some(detail) = &event.detail else {
        return Sentence::stored_english(tr, &event.summary);
    };
    Sentence::said(match detail {
        EventDetail::NewAsset { asset, roles } if roles.is_empty() => asset.clone(),
        EventDetail::NewAsset { asset, roles } => format!("{asset} ({})", roles.join(", ")),
        EventDetail::FirmwareChanged {
            asset,
            before,
            after,
        } => tr.tf(
            "assets.sentence.firmware_changed",
            &[("asset", asset), ("before", before), ("after", after)],
        ),
        EventDetail::NewFlow {
            src,
            dst,
            protocol,
            operations: ops,
        } => {
            let ops = if ops.is_empty() {
                tr.t("assets.sentence.no_operation").to_owned()
            } else {
                operations(tr, ops)
            };
            tr.tf(
                "assets.sentence.new_flow",
                &[
                    ("src", src),
                    ("dst", dst),
                    ("protocol", &protocol_label(protocol)),
                    ("operations", &ops),
                ],
            )
        }
        EventDetail::NewOperation {
            src,
            dst,
            protocol,
            operations: ops,
        } => tr.tf(
            "assets.sentence.new_operation",
            &[
                ("src", src),
                ("dst", dst),
                ("protocol", &protocol_label(protocol)),
                ("operations", &operations(tr, ops)),
            ],
        ),
        EventDetail::NewFinding {
            src,
            dst,
            protocol,
            operations: ops,
            zones,
        } => violation(tr, src, dst, protocol, ops, zones),
        EventDetail::NewlyAffected {
            asset,
            advisories,
            count,
        } => advisories_sentence(
            tr,
            "assets.sentence.newly_affected",
            asset,
            advisories,
            *count,
        ),
        EventDetail::NoLongerAffected {
            asset,
            advisories,
            count,
        } => advisories_sentence(
            tr,
            "assets.sentence.no_longer_affected",
            asset,
            advisories,
            *count,
        ),
    })
}

/// An asset and the advisories that now concern it (or no longer do): the first few named.
fn advisories_sentence(tr: Tr, key: &str, asset: &str, named: &[String], count: i64) -> String {
    let mut list = named.join(", ");
    if i64::try_from(named.len()).unwrap_or(i64::MAX) < count {
        list.push_str(", …");
    }
    tr.tf(
        key,
        &[
            ("asset", asset),
            ("count", &count.to_string()),
            ("advisories", &list),
        ],
    )
}

/// A zone finding in one sentence.
pub fn finding(tr: Tr, finding: &StoredFinding) -> Sentence {
    match &finding.zones {
        Some(zones) => Sentence::said(violation(
            tr,
            &finding.src,
            &finding.dst,
            &finding.protocol,
            &finding.operations,
            zones,
        )),
        None => Sentence::stored_english(tr, &finding.summary),
    }
}

fn violation(
    tr: Tr,
    src: &str,
    dst: &str,
    protocol: &str,
    ops: &[String],
    zones: &FindingZones,
) -> String {
    let ops = if ops.is_empty() {
        tr.t("assets.sentence.traffic").to_owned()
    } else {
        operations(tr, ops)
    };
    let zone = |z: &Option<String>| {
        z.clone()
            .unwrap_or_else(|| tr.t("assets.sentence.no_zone").to_owned())
    };
    tr.tf(
        "assets.sentence.violation",
        &[
            ("protocol", &protocol_label(protocol)),
            ("operations", &ops),
            ("src", src),
            ("src_zone", &zone(&zones.src)),
            ("dst", dst),
            ("dst_zone", &zone(&zones.dst)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;

    fn event_with(detail: Option<EventDetail>) -> AssetEvent {
        AssetEvent {
            id: "e1".into(),
            entity_id: "x".into(),
            at: "2026-12-02T10:00:00Z".into(),
            kind: "new_finding".into(),
            subject: "k".into(),
            summary: "s7comm program from a (zone office) to b (zone none) is not allowed".into(),
            sensor: "plant".into(),
            detail,
        }
    }

    #[test]
    fn a_finding_is_said_in_french_with_its_zones_and_operations_translated() {
        let tr = Tr::new(Lang::Fr);
        let detail = EventDetail::NewFinding {
            src: "10.0.1.5".into(),
            dst: "10.0.2.9".into(),
            protocol: "s7comm".into(),
            operations: vec!["program".into(), "write".into()],
            zones: FindingZones {
                src: Some("bureautique".into()),
                dst: None,
            },
        };
        let said = event(tr, &event_with(Some(detail)));
        assert_eq!(said.lang, None);
        assert!(
            said.text.contains("programmation, écriture"),
            "{}",
            said.text
        );
        assert!(said.text.contains("(zone bureautique)"), "{}", said.text);
        assert!(said.text.contains("(zone aucune)"), "{}", said.text);
        assert!(!said.text.contains("from"), "{}", said.text);
    }

    #[test]
    fn an_event_kept_only_as_english_text_is_shown_as_english() {
        let said = event(Tr::new(Lang::Fr), &event_with(None));
        assert_eq!(said.lang, Some("en"));
        assert!(said.text.starts_with("s7comm program"));
        assert_eq!(event(Tr::new(Lang::En), &event_with(None)).lang, None);
    }
}
