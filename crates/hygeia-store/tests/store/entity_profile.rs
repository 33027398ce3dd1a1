//! The NIS2 profile of an entity: unknown figures kept unknown, designation and flags, other
//! activities, the group's figures and links, and the scope attestations of reuse.

use hygeia_catalog::Catalog;
use hygeia_domain::org::{GroupInput, GroupLinkInput};
use hygeia_store::assessments::AssessmentInput;

use super::*;

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load_embedded().unwrap())
}

fn link(kind: &str, name: &str, share: i64, employees: i64) -> GroupLinkInput {
    GroupLinkInput {
        kind: kind.into(),
        name: name.into(),
        share_basis_points: share,
        employees,
        annual_turnover_eur: Some(400_000_000),
        balance_sheet_eur: None,
    }
}

#[tokio::test]
async fn the_nis2_profile_is_stored_with_unknown_figures_as_null() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let mut input = entity("Laboratoires Exemple");
        input.annual_turnover_eur = None;
        input.balance_sheet_eur = None;
        input.other_activities = vec!["medical_device_manufacturing".into()];
        input.designation = "important".into();
        input.cer_critical_entity = true;
        input.nis1_operator_of_essential_services = true;
        input.public_body = true;
        input.group_worldwide_turnover_eur = Some(2_500_000_000);
        let created = store
            .create_entity(&actor, &org, &input, any_type)
            .await
            .unwrap();
        let read = store.entity(&created.id).await.unwrap();
        assert_eq!(read, created, "{}", db.name);
        assert_eq!(read.annual_turnover_eur, None, "{}", db.name);
        assert_eq!(read.balance_sheet_eur, None);
        assert_eq!(read.other_activities, ["medical_device_manufacturing"]);
        assert_eq!(read.designation, "important");
        assert!(read.cer_critical_entity && read.nis1_operator_of_essential_services);
        assert!(read.public_body && !read.local_public_administration);
        assert_eq!(read.group_worldwide_turnover_eur, Some(2_500_000_000));

        // Updating keeps unknown as unknown and clears flags that are cleared.
        input.balance_sheet_eur = Some(0);
        input.cer_critical_entity = false;
        input.local_public_administration = true;
        input.other_activities.clear();
        let updated = store
            .update_entity(&actor, &created.id, &input, Some(1), any_type)
            .await
            .unwrap();
        assert_eq!(updated.annual_turnover_eur, None);
        assert_eq!(updated.balance_sheet_eur, Some(0));
        assert!(!updated.cer_critical_entity && updated.local_public_administration);
        assert!(updated.other_activities.is_empty());

        // A bad designation or activity is refused with the field named, nothing written.
        input.designation = "maybe".into();
        input.other_activities = vec!["medical_device_manufacturing".into(); 2];
        let refused = store
            .update_entity(&actor, &created.id, &input, None, any_type)
            .await;
        let Err(StoreError::Invalid(errors)) = refused else {
            panic!("{}: {refused:?}", db.name);
        };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["designation", "other_activities"]);
        assert_eq!(store.entity(&created.id).await.unwrap().version, 2);
    }
}

#[tokio::test]
async fn the_group_is_replaced_as_a_whole_and_audited() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let parent = store
            .create_entity(&actor, &org, &entity("Groupe Exemple SA"), any_type)
            .await
            .unwrap();
        let mut child_input = entity("Filiale Exemple");
        child_input.parent_entity_id = Some(parent.id.clone());
        let child = store
            .create_entity(&actor, &org, &child_input, any_type)
            .await
            .unwrap();
        assert!(store.group_links(&child.id).await.unwrap().is_empty());

        let group = GroupInput {
            consolidated_employees: Some(1_530),
            consolidated_turnover_eur: Some(430_000_000),
            consolidated_balance_sheet_eur: None,
            independent_systems_justification: Some("  Own network and data centre ".into()),
            links: vec![
                link("linked", "Groupe Exemple SA", 10_000, 1_350),
                link("partner", "Partenaire SAS", 3_000, 80),
            ],
        };
        let (entity, links) = store
            .set_entity_group(&actor, &child.id, &group, Some(child.version))
            .await
            .unwrap();
        assert_eq!(entity.version, child.version + 1, "{}", db.name);
        assert_eq!(entity.consolidated_employees, Some(1_530));
        assert_eq!(entity.consolidated_balance_sheet_eur, None);
        assert_eq!(
            entity.independent_systems_justification.as_deref(),
            Some("Own network and data centre")
        );
        assert_eq!(links.len(), 2);
        assert_eq!(store.group_links(&child.id).await.unwrap(), links);
        let by_entity = store
            .group_links_of(&[child.id.as_str(), parent.id.as_str()])
            .await
            .unwrap();
        assert_eq!(by_entity.get(&child.id), Some(&links));
        assert!(!by_entity.contains_key(&parent.id));
        let stored = hygeia_store::group_input(&entity, &links);
        assert_eq!(stored.links[1].kind, "partner");

        // Replacing with fewer links removes the others; a stale version is refused.
        let smaller = GroupInput {
            links: vec![link("linked", "Groupe Exemple SA", 10_000, 1_400)],
            ..GroupInput::default()
        };
        let stale = store
            .set_entity_group(&actor, &child.id, &smaller, Some(child.version))
            .await;
        assert!(matches!(
            stale,
            Err(StoreError::Conflict {
                field: "version",
                ..
            })
        ));
        let (entity, links) = store
            .set_entity_group(&actor, &child.id, &smaller, None)
            .await
            .unwrap();
        assert_eq!(links.len(), 1);
        assert_eq!(entity.consolidated_employees, None);
        assert_eq!(entity.independent_systems_justification, None);

        // Invalid links are refused, field by field, and nothing changes.
        let bad = GroupInput {
            links: vec![link("partner", "Trop", 8_000, 10)],
            ..GroupInput::default()
        };
        let refused = store.set_entity_group(&actor, &child.id, &bad, None).await;
        let Err(StoreError::Invalid(errors)) = refused else {
            panic!("{}: {refused:?}", db.name);
        };
        assert_eq!(errors.0[0].field, "links[0].share_basis_points");
        assert_eq!(store.group_links(&child.id).await.unwrap(), links);

        // One audit record per change, with before and after.
        let trail = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap();
        let updates: Vec<_> = trail
            .items
            .iter()
            .filter(|r| r.action == "entity.group.update")
            .collect();
        assert_eq!(updates.len(), 2, "{}", db.name);
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);

        // Deleting the entity removes its links.
        store.delete_entity(&actor, &child.id).await.unwrap();
        assert!(store.group_links(&child.id).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_scope_attestation_is_audited_and_stops_applying_when_the_scope_changes() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let plant = store
            .create_entity(&actor, &org, &entity("Usine Sud"), any_type)
            .await
            .unwrap();
        let input = AssessmentInput {
            framework_id: "iso27001-2022".into(),
            name: "ISO 27001".into(),
            scope: "All sites of Usine Sud".into(),
            starts_on: None,
            ends_on: None,
            status: "completed".into(),
            version: None,
        };
        let iso = store
            .create_assessment(&actor, &plant.id, &input, catalog())
            .await
            .unwrap();
        assert_eq!(store.scope_attestation(&iso.id).await.unwrap(), None);

        let empty = store
            .attest_scope(&actor, &EntityScope::All, &iso.id, "  ")
            .await;
        assert!(matches!(empty, Err(StoreError::Invalid(_))), "{}", db.name);
        // Outside the caller's need-to-know: not found.
        let hidden = store
            .attest_scope(
                &actor,
                &EntityScope::Only(BTreeSet::new()),
                &iso.id,
                "Covers it",
            )
            .await;
        assert!(matches!(hidden, Err(StoreError::NotFound { .. })));

        let attested = store
            .attest_scope(
                &actor,
                &EntityScope::All,
                &iso.id,
                "The certificate covers every site",
            )
            .await
            .unwrap();
        assert_eq!(attested.attested_by, "ciso@example.org");
        assert!(attested.covers(&iso.scope));
        assert_eq!(
            store.scope_attestation(&iso.id).await.unwrap(),
            Some(attested.clone())
        );

        let narrowed = AssessmentInput {
            scope: "Packaging line only".into(),
            ..input
        };
        let changed = store
            .update_assessment(&actor, &EntityScope::All, &iso.id, &narrowed, catalog())
            .await
            .unwrap();
        assert!(!attested.covers(&changed.scope));

        let trail = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            trail
                .items
                .iter()
                .filter(|r| r.action == "reuse.attest_scope")
                .count(),
            1,
            "{}",
            db.name
        );
    }
}
