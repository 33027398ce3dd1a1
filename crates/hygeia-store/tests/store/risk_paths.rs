//! A risk's attack path on both engines (EBIOS RM's strategic and operational scenarios):
//! checked whole with each problem named and nothing written, suppliers and assets of another
//! entity refused by position, the chain's likelihood, the supplier's exposure listing the
//! risk, the audit trail, and scoping.

use hygeia_catalog::Catalog;
use hygeia_domain::risks::paths::{PathInput, StepInput};
use hygeia_domain::risks::register::RiskInput;
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::register::SupplierInput;
use hygeia_store::risks::RiskLinks;

use super::*;

fn supplier(name: &str) -> SupplierInput {
    SupplierInput {
        name: name.into(),
        category: "ot_integrator".into(),
        services: "Remote maintenance of the filling line".into(),
        criticality: TierAnswers {
            ot_access: true,
            health_data: false,
            dependency: 3,
            substitutability: 3,
            concentration: false,
        },
        ..SupplierInput::default()
    }
}

fn step(phase: &str, action: &str, success: Option<u8>) -> StepInput {
    StepInput {
        phase: phase.into(),
        action: action.into(),
        success,
        ..StepInput::default()
    }
}

fn fields(error: StoreError) -> Vec<String> {
    match error {
        StoreError::Invalid(errors) => errors.0.into_iter().map(|e| e.field).collect(),
        other => panic!("expected field errors, got {other}"),
    }
}

#[tokio::test]
async fn an_attack_path_is_checked_whole_linked_within_its_entity_and_audited() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let all = EntityScope::All;
        let catalog = Catalog::load_embedded().unwrap();
        let plant = store
            .create_entity(&actor, &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let lab = store
            .create_entity(&actor, &org, &entity("Laboratoire"), any_type)
            .await
            .unwrap();
        let integrator = store
            .create_supplier(&actor, &all, &plant.id, &supplier("Intégrateur"))
            .await
            .unwrap();
        let carrier = store
            .create_supplier(&actor, &all, &plant.id, &supplier("Télémaintenance"))
            .await
            .unwrap();
        let lab_supplier = store
            .create_supplier(&actor, &all, &lab.id, &supplier("Prestataire du labo"))
            .await
            .unwrap();
        let plc = observed_plc(&store, &plant.id).await;
        let risk = store
            .create_risk(
                &actor,
                &all,
                &catalog,
                &plant.id,
                &RiskInput {
                    title: "Recettes modifiées par la télémaintenance".into(),
                    origin: Some("Cybercriminel".into()),
                    ..RiskInput::default()
                },
                &RiskLinks::default(),
                Ok(()),
            )
            .await
            .unwrap();

        // Bad steps are named and nothing is written.
        let bad = PathInput {
            supplier_ids: vec![integrator.id.clone()],
            steps: vec![step("pivot", "", Some(7))],
        };
        assert_eq!(
            fields(
                store
                    .set_risk_path(&actor, &all, &risk.id, &bad)
                    .await
                    .unwrap_err()
            ),
            ["steps[0].phase", "steps[0].action", "steps[0].success"],
            "{name}"
        );
        // A supplier of another entity refuses the whole path, named by its position.
        let foreign = PathInput {
            supplier_ids: vec![integrator.id.clone(), lab_supplier.id.clone()],
            steps: vec![StepInput {
                supplier_id: Some(lab_supplier.id.clone()),
                asset_id: Some("no-such-asset".into()),
                ..step("enter", "Compte VPN du prestataire", Some(3))
            }],
        };
        assert_eq!(
            fields(
                store
                    .set_risk_path(&actor, &all, &risk.id, &foreign)
                    .await
                    .unwrap_err()
            ),
            [
                "supplier_ids[1]",
                "steps[0].supplier_id",
                "steps[0].asset_id"
            ],
            "{name}"
        );
        let untouched = store.risk(&all, &risk.id).await.unwrap();
        assert!(
            untouched.path.suppliers.is_empty() && untouched.path.steps.is_empty(),
            "{name}: nothing written"
        );

        // A good path is kept in order with the chain's likelihood.
        let good = PathInput {
            supplier_ids: vec![carrier.id.clone(), integrator.id.clone()],
            steps: vec![
                step("know", "Repérage des techniciens de l'intégrateur", Some(4)),
                StepInput {
                    supplier_id: Some(integrator.id.clone()),
                    ..step("enter", "Hameçonnage d'un technicien", Some(3))
                },
                step("find", "Rebond vers la supervision", Some(2)),
                StepInput {
                    asset_id: Some(plc.clone()),
                    ..step("exploit", "Paramètres de recette modifiés", None)
                },
            ],
        };
        let path = store
            .set_risk_path(&actor, &all, &risk.id, &good)
            .await
            .unwrap();
        let names: Vec<&str> = path.suppliers.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["Télémaintenance", "Intégrateur"],
            "{name}: in order"
        );
        assert!(path.suppliers[0].ot_access.0, "{name}");
        let phases: Vec<&str> = path.steps.iter().map(|s| s.phase.as_str()).collect();
        assert_eq!(phases, ["know", "enter", "find", "exploit"], "{name}");
        assert_eq!(
            path.steps[1].supplier_name.as_deref(),
            Some("Intégrateur"),
            "{name}"
        );
        assert_eq!(path.steps[3].asset_key.as_deref(), Some("plc-1"), "{name}");
        assert_eq!(path.chain_likelihood, Some(2), "{name}: least likely step");
        assert_eq!(
            store.risk(&all, &risk.id).await.unwrap().path,
            path,
            "{name}"
        );

        // The supplier's exposure lists the risk its path goes through.
        let exposure = store.supplier_exposure(&all, &carrier.id).await.unwrap();
        assert!(
            exposure.risks.iter().any(|r| r.id == risk.id),
            "{name}: {:?}",
            exposure.risks
        );

        // Replaced whole; audited with both states.
        let shorter = store
            .set_risk_path(
                &actor,
                &all,
                &risk.id,
                &PathInput {
                    supplier_ids: vec![integrator.id.clone()],
                    steps: Vec::new(),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (
                shorter.suppliers.len(),
                shorter.steps.len(),
                shorter.chain_likelihood
            ),
            (1, 0, None),
            "{name}"
        );
        let trail = store
            .list_audit(
                &all,
                &AuditFilter {
                    action: Some("risk.path.set".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap()
            .items;
        assert_eq!(trail.len(), 2, "{name}: one record per change");
        assert!(
            trail.iter().any(|r| r
                .before
                .as_deref()
                .is_some_and(|b| b.contains("\"phase\":\"know\""))),
            "{name}: the path before"
        );

        // Another entity's user finds nothing.
        let lab_only = EntityScope::Only([lab.id.clone()].into());
        assert!(
            matches!(
                store
                    .set_risk_path(&actor, &lab_only, &risk.id, &good)
                    .await,
                Err(StoreError::NotFound { .. })
            ),
            "{name}"
        );
    }
}
