//! Treating risks on both engines: plan actions checked against the entity's users and
//! controls, overdue then done; supporting assets replaced all or nothing with their open
//! vulnerabilities; bulk changes that touch every risk or none; the register in figures, with
//! acceptances ending then expired and reviews coming due as the days pass.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use hygeia_catalog::Catalog;
use hygeia_domain::clock::{Clock, FixedClock};
use hygeia_domain::risks::ImpactDimension;
use hygeia_domain::risks::plan::ActionInput;
use hygeia_domain::risks::rating::{ImpactRating, RatingInput};
use hygeia_domain::risks::register::RiskInput;
use hygeia_domain::risks::treatment::AcceptanceInput;
use hygeia_store::assessments::ControlInput;
use hygeia_store::monitoring::{AssetFilter, ObservedReport};
use hygeia_store::risks::{BulkRiskChange, RegisterGap, RiskLinks};

use super::access::user;
use super::*;

fn rated(title: &str, likelihood: u8, impact: u8) -> RiskInput {
    RiskInput {
        title: title.into(),
        inherent: Some(RatingInput {
            likelihood,
            likelihood_justification: "seen in the sector".into(),
            impacts: vec![ImpactRating {
                dimension: ImpactDimension::ProductQuality,
                value: impact,
                justification: "a batch is spoilt".into(),
            }],
        }),
        ..RiskInput::default()
    }
}

fn action(title: &str, owner: Option<&str>, due_on: Option<&str>) -> ActionInput {
    ActionInput {
        title: title.into(),
        owner: owner.map(Into::into),
        due_on: due_on.map(Into::into),
        ..ActionInput::default()
    }
}

fn field_errors(error: StoreError) -> Vec<(String, String)> {
    match error {
        StoreError::Invalid(errors) => errors
            .0
            .into_iter()
            .map(|e| (e.field, e.code.as_str().to_owned()))
            .collect(),
        other => panic!("expected field errors, got {other}"),
    }
}

async fn asset_ids(store: &Store, entity_id: &str) -> Vec<String> {
    let filter = AssetFilter {
        entity_id: Some(entity_id.to_owned()),
        ..AssetFilter::default()
    };
    let mut ids: Vec<(String, String)> = store
        .list_assets(&EntityScope::All, &filter, PageRequest::new(Some(50), None))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|a| (a.asset_key, a.id))
        .collect();
    ids.sort();
    ids.into_iter().map(|(_, id)| id).collect()
}

fn report(keys: &[(&str, &str)]) -> ObservedReport {
    let assets: Vec<serde_json::Value> = keys
        .iter()
        .map(|(key, ip)| {
            serde_json::json!({
                "id": key, "ips": [ip], "names": [key], "roles": ["plc"],
                "protocols": ["s7comm"],
                "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T09:00:00Z",
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({ "assets": assets, "flows": [] })).unwrap()
}

#[tokio::test]
async fn plans_assets_and_bulk_changes_are_checked_whole_and_scoped() {
    let catalog = Catalog::load_embedded().unwrap();
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let plant = store
            .create_entity(&actor, &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let lab = store
            .create_entity(&actor, &org, &entity("Laboratoire"), any_type)
            .await
            .unwrap();
        user(
            &store,
            &org,
            "ot.lead@example.org",
            Role::Contributor,
            vec![plant.id.clone()],
        )
        .await;
        user(
            &store,
            &org,
            "lab.lead@example.org",
            Role::Contributor,
            vec![lab.id.clone()],
        )
        .await;
        let control_of = |entity_id: String, control: &'static str| {
            let (store, catalog, actor) = (&store, &catalog, actor.clone());
            async move {
                let input = ControlInput {
                    name: control.into(),
                    description: String::new(),
                    owner: None,
                    status: "planned".into(),
                    implemented_on: None,
                    next_review_on: None,
                    requirements: vec![],
                    version: None,
                };
                store
                    .create_control(&actor, &entity_id, &input, catalog)
                    .await
                    .unwrap()
                    .id
            }
        };
        let segmentation = control_of(plant.id.clone(), "Segmentation").await;
        let lab_backups = control_of(lab.id.clone(), "Sauvegardes").await;
        let create = |entity_id: String, input: RiskInput| {
            let (store, catalog, actor) = (&store, &catalog, actor.clone());
            async move {
                store
                    .create_risk(
                        &actor,
                        &EntityScope::All,
                        catalog,
                        &entity_id,
                        &input,
                        &RiskLinks::default(),
                        Ok(()),
                    )
                    .await
                    .unwrap()
            }
        };
        let risk = create(plant.id.clone(), rated("Set points altered", 4, 5)).await;
        let other = create(lab.id.clone(), rated("Formulas stolen", 2, 4)).await;
        let all = EntityScope::All;

        // An owner who cannot see the plant and a control of the lab are refused by field,
        // and nothing is written.
        let mut wrong = action("Segment the line", Some("lab.lead@example.org"), None);
        wrong.control_id = Some(lab_backups.clone());
        let refused = store
            .add_risk_action(&actor, &all, &risk.id, &wrong)
            .await
            .unwrap_err();
        assert_eq!(
            field_errors(refused),
            [
                ("owner".to_owned(), "not_found".to_owned()),
                ("control_id".to_owned(), "not_found".to_owned())
            ],
            "{name}"
        );
        assert!(
            store.risk_actions(&all, &risk.id).await.unwrap().is_empty(),
            "{name}"
        );

        // Two actions: one past its day (the clock says 2 March 2026), one without a day.
        let mut segment = action(
            "Segment the line",
            Some("OT.Lead@example.org"),
            Some("2026-02-27"),
        );
        segment.control_id = Some(segmentation.clone());
        let late = store
            .add_risk_action(&actor, &all, &risk.id, &segment)
            .await
            .unwrap();
        assert!(late.overdue, "{name}");
        assert_eq!(late.control_name.as_deref(), Some("Segmentation"), "{name}");
        store
            .add_risk_action(
                &actor,
                &all,
                &risk.id,
                &action("Train the operators", None, None),
            )
            .await
            .unwrap();
        let shown = store.risk(&all, &risk.id).await.unwrap();
        assert_eq!(
            (shown.plan.actions, shown.plan.done, shown.plan.overdue),
            (2, 0, 1),
            "{name}"
        );
        // Outside the caller's scope the plan is not found.
        let lab_only = EntityScope::Only(BTreeSet::from([lab.id.clone()]));
        assert!(
            matches!(
                store.risk_actions(&lab_only, &risk.id).await,
                Err(StoreError::NotFound { .. })
            ),
            "{name}"
        );
        assert!(
            matches!(
                store
                    .add_risk_action(&actor, &lab_only, &risk.id, &segment)
                    .await,
                Err(StoreError::NotFound { .. })
            ),
            "{name}"
        );

        // Done: no longer overdue, done_at kept when saved again.
        segment.status = Some("done".into());
        let done = store
            .update_risk_action(&actor, &all, &risk.id, &late.id, &segment)
            .await
            .unwrap();
        assert!(!done.overdue && done.done_at.is_some(), "{name}");
        let again = store
            .update_risk_action(&actor, &all, &risk.id, &late.id, &segment)
            .await
            .unwrap();
        assert_eq!(again.done_at, done.done_at, "{name}");
        let plans = store.risk_plans(&all, Some(&plant.id)).await.unwrap();
        let progress = plans[&risk.id];
        assert_eq!(
            (progress.actions, progress.done, progress.overdue),
            (2, 1, 0),
            "{name}"
        );
        assert!(!plans.contains_key(&other.id), "{name}");

        // Controls already in place: one of the lab refuses the whole set, by position.
        let refused = store
            .set_risk_controls(
                &actor,
                &all,
                &risk.id,
                &[segmentation.clone(), lab_backups.clone()],
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_errors(refused),
            [("control_ids[1]".to_owned(), "not_found".to_owned())],
            "{name}"
        );
        let kept = store
            .set_risk_controls(&actor, &all, &risk.id, std::slice::from_ref(&segmentation))
            .await
            .unwrap();
        assert_eq!(kept[0].name, "Segmentation", "{name}");
        assert_eq!(
            store.risk(&all, &risk.id).await.unwrap().controls,
            kept,
            "{name}"
        );

        // Supporting assets: one of the lab refuses the whole set, by position.
        store
            .ingest_observations(
                &actor,
                &plant.id,
                "s1",
                &report(&[("plc-1", "10.1.0.5"), ("plc-2", "10.1.0.6")]),
            )
            .await
            .unwrap();
        store
            .ingest_observations(&actor, &lab.id, "s2", &report(&[("lims", "10.3.0.7")]))
            .await
            .unwrap();
        let plant_assets = asset_ids(&store, &plant.id).await;
        let lab_assets = asset_ids(&store, &lab.id).await;
        let mixed = vec![plant_assets[0].clone(), lab_assets[0].clone()];
        let refused = store
            .set_risk_assets(&actor, &all, &risk.id, &mixed)
            .await
            .unwrap_err();
        assert_eq!(
            field_errors(refused),
            [("asset_ids[1]".to_owned(), "not_found".to_owned())],
            "{name}"
        );
        assert!(
            store.risk(&all, &risk.id).await.unwrap().assets.is_empty(),
            "{name}"
        );
        let linked = store
            .set_risk_assets(&actor, &all, &risk.id, &plant_assets)
            .await
            .unwrap();
        let keys: Vec<&str> = linked.iter().map(|a| a.asset_key.as_str()).collect();
        assert_eq!(keys.len(), 2, "{name}: {keys:?}");
        assert!(linked.iter().all(|a| a.open_vulnerabilities == 0), "{name}");
        assert_eq!(
            store.risk(&all, &risk.id).await.unwrap().assets,
            linked,
            "{name}"
        );

        // A bulk change with one unknown risk changes nothing; then all of them at once.
        let change = BulkRiskChange {
            risk_ids: vec![risk.id.clone(), "no-such-risk".into()],
            owner: Some("Directeur industriel".into()),
            ..BulkRiskChange::default()
        };
        let refused = store
            .bulk_update_risks(&actor, &all, &change)
            .await
            .unwrap_err();
        assert_eq!(
            field_errors(refused),
            [("risk_ids[1]".to_owned(), "not_found".to_owned())],
            "{name}"
        );
        assert_eq!(
            store.risk(&all, &risk.id).await.unwrap().owner,
            None,
            "{name}"
        );
        // Out of scope is unknown too.
        let refused = store
            .bulk_update_risks(
                &actor,
                &lab_only,
                &BulkRiskChange {
                    risk_ids: vec![other.id.clone(), risk.id.clone()],
                    reviewed: true,
                    ..BulkRiskChange::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            field_errors(refused),
            [("risk_ids[1]".to_owned(), "not_found".to_owned())],
            "{name}"
        );
        let done = store
            .bulk_update_risks(
                &actor,
                &all,
                &BulkRiskChange {
                    risk_ids: vec![risk.id.clone(), other.id.clone()],
                    owner: Some("Directeur industriel".into()),
                    review_every_months: Some(6),
                    reviewed: true,
                },
            )
            .await
            .unwrap();
        assert_eq!(done.changed, 2, "{name}");
        for id in [&risk.id, &other.id] {
            let changed = store.risk(&all, id).await.unwrap();
            assert_eq!(
                changed.owner.as_deref(),
                Some("Directeur industriel"),
                "{name}"
            );
            assert_eq!(changed.next_review_on, "2026-09-02", "{name}");
        }

        // The register in figures, per entity and for all.
        let figures = store.risk_overview(&all, Some(&plant.id)).await.unwrap();
        assert_eq!(
            (
                figures.risks,
                figures.undecided,
                figures.actions_open,
                figures.actions_done
            ),
            (1, 1, 1, 1),
            "{name}: {figures:?}"
        );
        let everything = store.risk_overview(&all, None).await.unwrap();
        assert_eq!(everything.risks, 2, "{name}");
        let levels: i64 = everything.by_level.iter().map(|l| l.risks).sum();
        assert_eq!(levels, 2, "{name}: {everything:?}");
        let lab_figures = store.risk_overview(&lab_only, None).await.unwrap();
        assert_eq!(
            (lab_figures.risks, lab_figures.actions_done),
            (1, 0),
            "{name}"
        );

        // Reminders: an acceptance ending within 30 days is announced, then expired once its
        // day has passed (the same database read on 1 April); the review comes back too.
        let mut accepted = rated("Old imaging server", 2, 3);
        accepted.treatment = Some("accept".into());
        accepted.acceptance = Some(AcceptanceInput {
            approver: "Directeur".into(),
            justification: "replaced in the spring".into(),
            expires_on: "2026-03-20".into(),
        });
        accepted.review_every_months = Some(1);
        create(lab.id.clone(), accepted).await;
        let soon = store.risk_overview(&lab_only, None).await.unwrap();
        assert_eq!(
            (
                soon.acceptances_ending,
                soon.acceptances_expired,
                soon.review_due
            ),
            (1, 0, 0),
            "{name}: {soon:?}"
        );
        assert!(
            !soon.gaps().contains(&RegisterGap::AcceptanceExpired),
            "{name}"
        );
        let april: Arc<dyn Clock> = Arc::new(FixedClock(
            Utc.with_ymd_and_hms(2026, 4, 2, 9, 0, 0).single().unwrap(),
        ));
        let later = db.store(april).await;
        let then = later.risk_overview(&lab_only, None).await.unwrap();
        assert_eq!(
            (
                then.acceptances_ending,
                then.acceptances_expired,
                then.review_due
            ),
            (0, 1, 1),
            "{name}: {then:?}"
        );
        assert!(
            then.gaps().contains(&RegisterGap::AcceptanceExpired),
            "{name}"
        );
        assert!(then.gaps().contains(&RegisterGap::ReviewDue), "{name}");
    }
}
