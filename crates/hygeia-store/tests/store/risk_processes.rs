//! What is at stake on both engines: processes checked whole (bad needs named, nothing
//! written; one name per entity), their assets and sites replaced all or nothing, the risks
//! threatening them with the worst level listed, and scoping.

use hygeia_catalog::Catalog;
use hygeia_domain::risks::ImpactDimension;
use hygeia_domain::risks::processes::ProcessInput;
use hygeia_domain::risks::rating::{ImpactRating, RatingInput};
use hygeia_domain::risks::register::RiskInput;
use hygeia_store::risks::{RiskFilter, RiskLinks, RiskStage};

use super::*;

fn process(name: &str, integrity: u8) -> ProcessInput {
    ProcessInput {
        name: name.into(),
        confidentiality: 2,
        integrity,
        availability: 3,
        product_quality: integrity == 4,
        rto_hours: Some(24),
        rpo_hours: Some(4),
        ..ProcessInput::default()
    }
}

fn codes(error: StoreError) -> Vec<(String, String)> {
    match error {
        StoreError::Invalid(errors) => errors
            .0
            .into_iter()
            .map(|e| (e.field, e.code.as_str().to_owned()))
            .collect(),
        StoreError::Conflict { field, .. } => vec![(field.to_owned(), "conflict".to_owned())],
        other => panic!("expected field errors, got {other}"),
    }
}

#[tokio::test]
async fn processes_are_checked_linked_all_or_nothing_and_show_their_risks() {
    let catalog = Catalog::load_embedded().unwrap();
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let all = EntityScope::All;
        let plant = store
            .create_entity(&actor, &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let lab = store
            .create_entity(&actor, &org, &entity("Laboratoire"), any_type)
            .await
            .unwrap();
        let site = |entity_id: String, site_name: &'static str| {
            let (store, actor) = (&store, actor.clone());
            async move {
                store
                    .create_site(
                        &actor,
                        &entity_id,
                        &SiteInput {
                            name: site_name.into(),
                            kind: SiteKind::Plant,
                            city: "Compiègne".into(),
                            country: "FR".into(),
                        },
                    )
                    .await
                    .unwrap()
                    .id
            }
        };
        let compiegne = site(plant.id.clone(), "Compiègne").await;
        let lyon = site(lab.id.clone(), "Lyon").await;

        // Bad needs are named and nothing is written; a name is unique within its entity.
        let mut bad = process("Remplissage", 5);
        bad.kind = Some("machine".into());
        let refused = store
            .create_process(&actor, &all, &plant.id, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            codes(refused),
            [
                ("kind".to_owned(), "one_of".to_owned()),
                ("integrity".to_owned(), "out_of_range".to_owned())
            ],
            "{name}"
        );
        assert!(
            store.list_processes(&all, None).await.unwrap().is_empty(),
            "{name}"
        );
        let filling = store
            .create_process(
                &actor,
                &all,
                &plant.id,
                &process("Remplissage aseptique", 4),
            )
            .await
            .unwrap();
        assert_eq!(filling.criticality, 4, "{name}: GMP");
        let again = store
            .create_process(
                &actor,
                &all,
                &plant.id,
                &process("Remplissage aseptique", 2),
            )
            .await
            .unwrap_err();
        assert_eq!(
            codes(again),
            [("name".to_owned(), "conflict".to_owned())],
            "{name}"
        );
        let records = store
            .create_process(&actor, &all, &plant.id, &process("Dossiers de lots", 3))
            .await
            .unwrap();
        let lab_data = store
            .create_process(&actor, &all, &lab.id, &process("Données d'essais", 3))
            .await
            .unwrap();

        // Assets and sites: one of another entity refuses the whole set.
        let plc = observed_plc(&store, &plant.id).await;
        let refused = store
            .set_process_links(
                &actor,
                &all,
                &filling.id,
                std::slice::from_ref(&plc),
                &[compiegne.clone(), lyon.clone()],
            )
            .await
            .unwrap_err();
        assert_eq!(
            codes(refused),
            [("site_ids[1]".to_owned(), "not_found".to_owned())],
            "{name}"
        );
        assert!(
            store
                .process(&all, &filling.id)
                .await
                .unwrap()
                .assets
                .is_empty(),
            "{name}"
        );
        let linked = store
            .set_process_links(
                &actor,
                &all,
                &filling.id,
                &[plc],
                std::slice::from_ref(&compiegne),
            )
            .await
            .unwrap();
        assert_eq!((linked.assets.len(), linked.sites.len()), (1, 1), "{name}");
        assert_eq!(linked.sites[0].name, "Compiègne", "{name}");

        // A risk threatens the plant's processes; the lab's is refused by position.
        let rating = RatingInput {
            likelihood: 4,
            likelihood_justification: "remote access".into(),
            impacts: vec![ImpactRating {
                dimension: ImpactDimension::ProductQuality,
                value: 5,
                justification: "batches spoilt".into(),
            }],
        };
        let risk = store
            .create_risk(
                &actor,
                &all,
                &catalog,
                &plant.id,
                &RiskInput {
                    title: "Recettes modifiées".into(),
                    inherent: Some(rating),
                    ..RiskInput::default()
                },
                &RiskLinks::default(),
                Ok(()),
            )
            .await
            .unwrap();
        let refused = store
            .set_risk_processes(
                &actor,
                &all,
                &risk.id,
                &[filling.id.clone(), lab_data.id.clone()],
            )
            .await
            .unwrap_err();
        assert_eq!(
            codes(refused),
            [("process_ids[1]".to_owned(), "not_found".to_owned())],
            "{name}"
        );
        let threatened = store
            .set_risk_processes(
                &actor,
                &all,
                &risk.id,
                &[filling.id.clone(), records.id.clone()],
            )
            .await
            .unwrap();
        assert_eq!(
            threatened[0].name, "Remplissage aseptique",
            "{name}: most critical first"
        );
        assert_eq!(
            store.risk(&all, &risk.id).await.unwrap().processes,
            threatened,
            "{name}"
        );
        let shown = store.process(&all, &filling.id).await.unwrap();

        // The heat map and the register of one process, and of one site.
        let slice = |process: Option<&str>, site: Option<&str>| RiskFilter {
            process_id: process.map(str::to_owned),
            site_id: site.map(str::to_owned),
            ..RiskFilter::default()
        };
        for (process, site, expected) in [
            (Some(filling.id.as_str()), None, 1),
            (Some(lab_data.id.as_str()), None, 0),
            (None, Some(compiegne.as_str()), 1),
            (None, Some(lyon.as_str()), 0),
        ] {
            let cells = store
                .risk_heat_map(&all, &slice(process, site), RiskStage::Inherent)
                .await
                .unwrap();
            assert_eq!(
                cells.iter().map(|c| c.risks).sum::<i64>(),
                expected,
                "{name}: {process:?} {site:?}"
            );
            let listed = store
                .list_risks(&all, &slice(process, site), PageRequest::default())
                .await
                .unwrap();
            assert_eq!(listed.total, expected, "{name}: {process:?} {site:?}");
        }
        assert_eq!(shown.risks[0].level.as_deref(), Some("critical"), "{name}");

        // The list: most critical first, counts and the worst level; scoped.
        let listed = store.list_processes(&all, Some(&plant.id)).await.unwrap();
        let summary: Vec<(&str, i64, i64, Option<&str>)> = listed
            .iter()
            .map(|p| (p.name.as_str(), p.assets, p.risks, p.worst_level.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                ("Remplissage aseptique", 1, 1, Some("critical")),
                ("Dossiers de lots", 0, 1, Some("critical"))
            ],
            "{name}"
        );
        let lab_only = EntityScope::Only(BTreeSet::from([lab.id.clone()]));
        let seen: Vec<String> = store
            .list_processes(&lab_only, None)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(seen, ["Données d'essais"], "{name}");
        assert!(
            matches!(
                store.process(&lab_only, &filling.id).await,
                Err(StoreError::NotFound { .. })
            ),
            "{name}"
        );

        // A stale version is refused; a change is audited.
        let mut change = process("Remplissage aseptique, ligne 1", 4);
        change.version = Some(shown.version);
        let renamed = store
            .update_process(&actor, &all, &filling.id, &change)
            .await
            .unwrap();
        assert_eq!(renamed.version, shown.version + 1, "{name}");
        let stale = store
            .update_process(&actor, &all, &filling.id, &change)
            .await
            .unwrap_err();
        assert_eq!(
            codes(stale),
            [("version".to_owned(), "conflict".to_owned())],
            "{name}"
        );
    }
}
