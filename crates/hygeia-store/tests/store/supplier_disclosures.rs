//! Medical device makers' MDS2 disclosures on both engines: a form read whole is kept with the
//! device's facts and every answer, listed newest first, refused when it names no device,
//! removed with the audit trail recording both, and scoped.

use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::mds2::{Mds2Answer, SheetRow, read_form};
use hygeia_domain::suppliers::register::SupplierInput;

use super::*;

fn form(model: &str) -> hygeia_domain::suppliers::mds2::Mds2Form {
    let sheet: Vec<Vec<String>> = [
        ["Question ID", "Question", "Answer", "Note"],
        ["DOC-1", "Manufacturer name", "Perfusia SA", ""],
        ["DOC-3", "Device model", model, ""],
        ["DOC-7", "Release date", "2026-05-04", ""],
        [
            "PAUT-8",
            "Multi-factor authentication?",
            "No",
            "On the 2027 roadmap",
        ],
        [
            "RMOT-1",
            "Remote service connections?",
            "Yes",
            "Through the maker's VPN",
        ],
    ]
    .iter()
    .map(|row| row.iter().map(|c| (*c).to_owned()).collect())
    .collect();
    let rows: Vec<SheetRow<'_>> = sheet
        .iter()
        .zip(1..)
        .map(|(cells, line)| ("MDS2", line, cells.as_slice()))
        .collect();
    read_form(&rows).unwrap()
}

#[tokio::test]
async fn a_device_disclosure_is_kept_whole_listed_removed_and_scoped() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let all = EntityScope::All;
        let hospital = store
            .create_entity(&actor, &org, &entity("Hôpital"), any_type)
            .await
            .unwrap();
        let maker = store
            .create_supplier(
                &actor,
                &all,
                &hospital.id,
                &SupplierInput {
                    name: "Perfusia".into(),
                    category: "medical_device".into(),
                    services: "Infusion pumps".into(),
                    criticality: TierAnswers {
                        ot_access: false,
                        health_data: true,
                        dependency: 3,
                        substitutability: 2,
                        concentration: false,
                    },
                    ..SupplierInput::default()
                },
            )
            .await
            .unwrap();

        let first = store
            .import_device_disclosure(
                &actor,
                &all,
                &maker.id,
                "infusa-300.xlsx",
                &form("Infusa 300"),
            )
            .await
            .unwrap();
        assert_eq!(first.summary.device, "Infusa 300", "{name}");
        assert_eq!(
            first.summary.manufacturer.as_deref(),
            Some("Perfusia SA"),
            "{name}"
        );
        assert_eq!(
            first.summary.released_on.as_deref(),
            Some("2026-05-04"),
            "{name}"
        );
        assert_eq!(first.summary.questions, 5, "{name}");
        let read = store
            .device_disclosure(&all, &first.summary.id)
            .await
            .unwrap();
        assert_eq!(
            read.form.row("PAUT-8").map(|r| (r.answer, r.note.as_str())),
            Some((Some(Mds2Answer::No), "On the 2027 roadmap")),
            "{name}: every answer kept"
        );

        // A form naming no device is refused and nothing is written.
        let mut nameless = form("x");
        nameless.model = None;
        nameless.description = None;
        let refused = store
            .import_device_disclosure(&actor, &all, &maker.id, "blank.xlsx", &nameless)
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("DOC-3"), "{name}: {refused}");
        let second = store
            .import_device_disclosure(
                &actor,
                &all,
                &maker.id,
                "infusa-400.xlsx",
                &form("Infusa 400"),
            )
            .await
            .unwrap();
        let listed: Vec<String> = store
            .device_disclosures(&all, &maker.id)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.device)
            .collect();
        assert_eq!(listed.len(), 2, "{name}: {listed:?}");

        // Another entity's user finds nothing.
        let elsewhere =
            EntityScope::Only(std::collections::BTreeSet::from(["elsewhere".to_owned()]));
        assert!(matches!(
            store.device_disclosure(&elsewhere, &first.summary.id).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            store.device_disclosures(&elsewhere, &maker.id).await,
            Err(StoreError::NotFound { .. })
        ));

        // Removed, with the trail recording the import and the removal.
        store
            .remove_device_disclosure(&actor, &all, &second.summary.id)
            .await
            .unwrap();
        assert_eq!(
            store
                .device_disclosures(&all, &maker.id)
                .await
                .unwrap()
                .len(),
            1,
            "{name}"
        );
        let trail = store
            .list_audit(
                &all,
                &AuditFilter {
                    object_id: Some(maker.id.clone()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        let actions: Vec<&str> = trail.items.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions
                .iter()
                .filter(|a| a.starts_with("supplier.device_disclosure"))
                .count(),
            3,
            "{name}: {actions:?}"
        );
        assert!(
            actions.contains(&"supplier.device_disclosure.remove"),
            "{name}"
        );
    }
}
