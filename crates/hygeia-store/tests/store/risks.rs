//! The risk register on both engines: risks rated on the matrix in force, listed by severity
//! and scoped, a library scenario taken with its links, heat-map cells, refusals that name
//! their field and write nothing, and a new matrix that re-rates every risk with its history.

use hygeia_catalog::Catalog;
use hygeia_catalog::risks::default_matrix;
use hygeia_catalog::risks::scenarios::shipped_scenarios;
use hygeia_domain::risks::ImpactDimension;
use hygeia_domain::risks::rating::{ImpactRating, RatingInput};
use hygeia_domain::risks::register::RiskInput;
use hygeia_domain::risks::treatment::{AcceptanceInput, AcceptanceState};
use hygeia_store::risks::{RequirementLink, RiskFilter, RiskLinks, RiskStage};

use super::*;

fn rating(likelihood: u8, impact: u8) -> RatingInput {
    RatingInput {
        likelihood,
        likelihood_justification: "seen twice in the sector last year".into(),
        impacts: vec![
            ImpactRating {
                dimension: ImpactDimension::ProductionContinuity,
                value: impact,
                justification: "the packaging line stops".into(),
            },
            ImpactRating {
                dimension: ImpactDimension::Financial,
                value: 1,
                justification: "insured".into(),
            },
        ],
    }
}

pub(super) fn rated(title: &str, inherent: (u8, u8), current: Option<(u8, u8)>) -> RiskInput {
    RiskInput {
        title: title.into(),
        inherent: Some(rating(inherent.0, inherent.1)),
        current: current.map(|(l, i)| rating(l, i)),
        treatment: Some("mitigate".into()),
        ..RiskInput::default()
    }
}

async fn audit_count(store: &Store, action: &str) -> usize {
    store
        .list_audit(
            &EntityScope::All,
            &AuditFilter {
                action: Some(action.into()),
                ..AuditFilter::default()
            },
            PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .len()
}

async fn register(store: &Store, scope: &EntityScope, filter: RiskFilter) -> Vec<String> {
    store
        .list_risks(scope, &filter, PageRequest::new(Some(100), None))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.reference)
        .collect()
}

#[tokio::test]
async fn risks_are_rated_listed_by_severity_scoped_and_refused_whole() {
    let catalog = Catalog::load_embedded().unwrap();
    let scenario = shipped_scenarios(&catalog)
        .unwrap()
        .into_iter()
        .find(|s| s.id == "ransomware-plant")
        .unwrap();
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let clinic = store
            .create_entity(&admin_actor(), &org, &entity("Clinique"), any_type)
            .await
            .unwrap();
        let all = EntityScope::All;
        let create = |entity_id: &str, input: RiskInput, links: RiskLinks| {
            let (store, catalog, entity_id) = (&store, &catalog, entity_id.to_owned());
            async move {
                store
                    .create_risk(
                        &admin_actor(),
                        &EntityScope::All,
                        catalog,
                        &entity_id,
                        &input,
                        &links,
                        Ok(()),
                    )
                    .await
            }
        };
        // A library scenario taken for the plant, still to rate, with its requirements.
        let links = RiskLinks {
            scenario_id: Some(scenario.id.clone()),
            requirements: scenario
                .requirements
                .iter()
                .map(|r| RequirementLink {
                    framework_id: r.framework.clone(),
                    requirement_id: r.id.clone(),
                })
                .collect(),
        };
        let from_library = RiskInput {
            title: scenario.title.en.clone(),
            description: scenario.description.en.clone(),
            origin: Some(scenario.origin.en.clone()),
            objective: Some(scenario.objective.en.clone()),
            ..RiskInput::default()
        };
        let taken = create(&plant.id, from_library, links.clone())
            .await
            .unwrap();
        assert_eq!(taken.reference, "RSK-0001", "{name}");
        assert_eq!(taken.severity, -1, "{name}: still to rate");
        assert_eq!(
            taken.requirements.len(),
            scenario.requirements.len(),
            "{name}"
        );
        assert_eq!(
            taken.next_review_on, "2027-03-02",
            "{name}: a year after creation"
        );

        let high = create(
            &plant.id,
            rated("Set points altered", (4, 5), Some((3, 4))),
            RiskLinks::default(),
        )
        .await
        .unwrap();
        let low = create(
            &plant.id,
            rated("Badge reader failure", (2, 2), None),
            RiskLinks::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            (
                high.current.as_ref().unwrap().level.as_deref(),
                high.inherent.as_ref().unwrap().level.as_deref(),
                low.inherent.as_ref().unwrap().level.as_deref(),
            ),
            (Some("high"), Some("critical"), Some("low")),
            "{name}: levels of the default matrix"
        );
        let accepted = RiskInput {
            treatment: Some("accept".into()),
            acceptance: Some(AcceptanceInput {
                approver: "Clinic director".into(),
                justification: "the system is replaced in June".into(),
                expires_on: "2026-03-20".into(),
            }),
            ..rated("Old imaging server", (3, 3), Some((3, 3)))
        };
        let clinic_risk = create(&clinic.id, accepted, RiskLinks::default())
            .await
            .unwrap();
        assert_eq!(
            clinic_risk.reference, "RSK-0001",
            "{name}: numbered per entity"
        );
        assert_eq!(
            clinic_risk.acceptance_state,
            Some(AcceptanceState::EndingSoon { days_left: 18 }),
            "{name}"
        );

        // Most severe first, risks still to rate last; scoped.
        assert_eq!(
            register(
                &store,
                &all,
                RiskFilter {
                    entity_id: Some(plant.id.clone()),
                    ..RiskFilter::default()
                }
            )
            .await,
            ["RSK-0002", "RSK-0003", "RSK-0001"],
            "{name}"
        );
        let plant_only = EntityScope::Only([plant.id.clone()].into());
        assert_eq!(
            register(&store, &plant_only, RiskFilter::default())
                .await
                .len(),
            3,
            "{name}"
        );
        assert!(
            matches!(
                store.risk(&plant_only, &clinic_risk.id).await,
                Err(StoreError::NotFound { .. })
            ),
            "{name}: another entity's risk is not found"
        );
        // The heat map of current ratings, and the risks of one cell.
        let cells = store
            .risk_heat_map(
                &all,
                &RiskFilter {
                    entity_id: Some(plant.id.clone()),
                    ..RiskFilter::default()
                },
                RiskStage::Current,
            )
            .await
            .unwrap();
        assert_eq!(
            cells
                .iter()
                .map(|c| (c.likelihood, c.impact, c.risks))
                .collect::<Vec<_>>(),
            [(3, 4, 1)],
            "{name}"
        );
        let inherent = store
            .risk_heat_map(&all, &RiskFilter::default(), RiskStage::Inherent)
            .await
            .unwrap();
        assert_eq!(inherent.iter().map(|c| c.risks).sum::<i64>(), 3, "{name}");
        let cell = RiskFilter {
            likelihood: Some(3),
            impact: Some(3),
            ..RiskFilter::default()
        };
        assert_eq!(
            register(&store, &all, cell).await,
            ["RSK-0001"],
            "{name}: the clinic's"
        );

        // Refusals name their field and write nothing.
        let before = audit_count(&store, "risk.create").await;
        let unknown = RiskLinks {
            requirements: vec![RequirementLink {
                framework_id: "iso27001-2022".into(),
                requirement_id: "a.99.1".into(),
            }],
            ..RiskLinks::default()
        };
        match create(&plant.id, rated("x", (1, 1), None), unknown).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "requirements[0]", "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        let mut unexplained = rated("y", (6, 1), None);
        if let Some(r) = unexplained.inherent.as_mut() {
            r.impacts[0].justification = String::new();
        }
        match create(&plant.id, unexplained, RiskLinks::default()).await {
            Err(StoreError::Invalid(e)) => {
                let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
                assert_eq!(
                    fields,
                    ["inherent.likelihood", "inherent.impacts[0].justification"],
                    "{name}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(audit_count(&store, "risk.create").await, before, "{name}");
        assert_eq!(
            register(&store, &all, RiskFilter::default()).await.len(),
            4,
            "{name}"
        );

        // Rating the library risk; a stale version is refused.
        let rate = rated(&taken.title, (4, 4), Some((2, 4)));
        let updated = store
            .update_risk(
                &admin_actor(),
                &all,
                &taken.id,
                &rate,
                Some(taken.version),
                Ok(()),
            )
            .await
            .unwrap();
        assert_eq!(
            updated.current.unwrap().level.as_deref(),
            Some("medium"),
            "{name}"
        );
        assert_eq!(
            updated.requirements, taken.requirements,
            "{name}: links kept"
        );
        assert!(
            matches!(
                store
                    .update_risk(
                        &admin_actor(),
                        &all,
                        &taken.id,
                        &rate,
                        Some(taken.version),
                        Ok(())
                    )
                    .await,
                Err(StoreError::Conflict {
                    field: "version",
                    ..
                })
            ),
            "{name}"
        );
        assert_eq!(audit_count(&store, "risk.update").await, 1, "{name}");
    }
}

#[tokio::test]
async fn a_new_matrix_rerates_every_risk_and_one_too_small_changes_nothing() {
    let catalog = Catalog::load_embedded().unwrap();
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let risk = store
            .create_risk(
                &admin_actor(),
                &EntityScope::All,
                &catalog,
                &plant.id,
                &rated("Set points altered", (4, 5), Some((2, 2))),
                &RiskLinks::default(),
                Ok(()),
            )
            .await
            .unwrap();
        assert_eq!(
            store.risk_matrix().await.unwrap().0,
            0,
            "{name}: the default"
        );

        // A 3×3 matrix cannot hold a 4×5 rating: refused, naming the risk; nothing changes.
        let mut small = default_matrix().unwrap();
        small.likelihood.truncate(3);
        small.impact.truncate(3);
        small.cells = small.cells[..3]
            .iter()
            .map(|row| row[..3].to_vec())
            .collect();
        match store.set_risk_matrix(&admin_actor(), &small).await {
            Err(StoreError::Conflict { field, message }) => {
                assert_eq!(field, "matrix", "{name}");
                assert!(message.contains("RSK-0001"), "{name}: {message}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(store.risk_matrix().await.unwrap().0, 0, "{name}");

        // A stricter 5×5: every cell but the first is critical.
        let mut strict = default_matrix().unwrap();
        for (l, row) in strict.cells.iter_mut().enumerate() {
            for (i, cell) in row.iter_mut().enumerate() {
                *cell = if l == 0 && i == 0 { "low" } else { "critical" }.to_owned();
            }
        }
        let change = store
            .set_risk_matrix(&admin_actor(), &strict)
            .await
            .unwrap();
        assert_eq!((change.version, change.risks_rated), (1, 1), "{name}");
        let rerated = store.risk(&EntityScope::All, &risk.id).await.unwrap();
        assert_eq!(
            rerated.current.unwrap().level.as_deref(),
            Some("critical"),
            "{name}"
        );
        assert!(rerated.severity > risk.severity, "{name}");
        let (version, in_force) = store.risk_matrix().await.unwrap();
        assert_eq!((version, in_force), (1, strict.clone()), "{name}");
        // A broken matrix is refused with its field.
        strict.levels[0].colour = "green".into();
        match store.set_risk_matrix(&admin_actor(), &strict).await {
            Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "levels[0].colour", "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        assert_eq!(audit_count(&store, "risk_matrix.update").await, 1, "{name}");
    }
}
