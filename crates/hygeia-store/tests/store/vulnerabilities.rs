//! Advisory feeds stored and the inventory matched against them, on both engines: imports are
//! all-or-nothing and idempotent and a newer revision replaces the stored one; matches follow
//! the inventory (a new asset, a firmware update) with their events; triage is audited and
//! scoped; the real CISA bundle imports whole.

use hygeia_advisories::{Feed, KevCatalog, KevEntry};
use hygeia_domain::vulnerabilities::{MatchState, Triage, TriageInput};
use hygeia_store::monitoring::ObservedReport;
use hygeia_store::vulnerabilities::VulnerabilityFilter;
use serde_json::{Value, json};

use super::*;

const PLC_MODEL: &str = "6ES7 315-2EH14-0AB0";

/// A CSAF advisory naming one Siemens order number, affected below V3.2.17 and fixed from it.
pub(super) fn advisory(id: &str, version: &str, title: &str) -> Value {
    let product = |pid: &str, range: &str| {
        json!({"category": "product_version_range", "name": range,
            "product": {"name": format!("SIMATIC S7-300 CPU 315-2 PN/DP {range}"), "product_id": pid,
                "product_identification_helper": {"model_numbers": ["6ES7315-2EH14-0AB0"]}}})
    };
    json!({
        "document": {"title": title, "category": "csaf_security_advisory", "csaf_version": "2.0",
            "publisher": {"name": "CISA", "namespace": "https://www.cisa.gov/", "category": "coordinator"},
            "tracking": {"id": id, "version": version,
                "current_release_date": format!("2024-0{version}-01T00:00:00Z"),
                "initial_release_date": "2024-01-01T00:00:00Z", "status": "final",
                "revision_history": [{"number": version, "date": "2024-01-01T00:00:00Z", "summary": "x"}]}},
        "product_tree": {"branches": [{"category": "vendor", "name": "Siemens", "branches": [
            {"category": "product_name", "name": "SIMATIC S7-300 CPU 315-2 PN/DP", "branches": [
                product("CSAFPID-1", "vers:all/<V3.2.17"), product("CSAFPID-2", "vers:all/>=V3.2.17")]}]}]},
        "vulnerabilities": [{"cve": "CVE-2099-0042",
            "scores": [{"products": ["CSAFPID-1"], "cvss_v3": {"baseScore": 7.5, "vectorString": "CVSS:3.1/AV:N", "version": "3.1"}}],
            "product_status": {"known_affected": ["CSAFPID-1"], "fixed": ["CSAFPID-2"]},
            "remediations": [{"category": "vendor_fix", "details": "Update to V3.2.17", "product_ids": ["CSAFPID-1"]}]}]
    })
}

pub(super) fn kev() -> KevCatalog {
    KevCatalog::new(
        "2099.01.01",
        "2099-01-01T00:00:00Z",
        vec![KevEntry {
            cve_id: "CVE-2099-0042".into(),
            vendor_project: "Siemens".into(),
            product: "SIMATIC".into(),
            vulnerability_name: None,
            date_added: "2099-01-01".into(),
            short_description: String::new(),
            required_action: None,
            due_date: None,
            known_ransomware_campaign_use: "Known".into(),
            notes: None,
            cwes: vec![],
        }],
    )
}

pub(super) fn feed(docs: &[(&str, Value)]) -> Feed {
    let bytes: Vec<(String, Vec<u8>)> = docs
        .iter()
        .map(|(name, doc)| ((*name).to_owned(), serde_json::to_vec(doc).unwrap()))
        .collect();
    Feed::from_documents(bytes.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
}

pub(super) fn plc(key: &str, firmware: &str) -> Value {
    json!({"id": key, "ips": ["10.1.0.5"], "names": [key], "roles": ["plc"], "protocols": ["s7comm"],
        "vendor": "Siemens", "model": PLC_MODEL, "firmware": firmware,
        "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T09:00:00Z"})
}

pub(super) fn batch(assets: Vec<Value>) -> ObservedReport {
    serde_json::from_value(json!({ "assets": assets })).unwrap()
}

pub(super) fn names(files: &[&str]) -> Vec<String> {
    files.iter().map(|f| (*f).to_owned()).collect()
}

/// A store of the test database `db` with its organisation (returned) and a plant entity.
async fn with_plant(db: &testing::TestDb) -> (Store, String, hygeia_store::Entity) {
    let store = db.store(test_clock()).await;
    let org = seeded(&store).await;
    let plant = store
        .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
        .await
        .unwrap();
    (store, org, plant)
}

async fn matches_of(
    store: &Store,
    scope: &EntityScope,
    filter: VulnerabilityFilter,
) -> Vec<hygeia_store::vulnerabilities::VulnerabilityMatch> {
    store
        .list_vulnerabilities(scope, &filter, PageRequest::new(Some(500), None))
        .await
        .unwrap()
        .items
}

async fn audit(store: &Store, action: &str) -> Vec<hygeia_store::AuditRecord> {
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
}

#[tokio::test]
async fn imports_are_all_or_nothing_idempotent_and_keep_the_newest_revision() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        seeded(&store).await;
        let mut first = feed(&[("a.json", advisory("TEST-01", "1", "First words"))]);
        first.kev = Some(kev());
        let import = store
            .import_advisories(&admin_actor(), &names(&["a.json", "kev.json"]), &first)
            .await
            .unwrap();
        assert_eq!(
            (import.advisories_new, import.kev_version.as_deref()),
            (1, Some("2099.01.01")),
            "{name}"
        );
        assert!(import.changed, "{name}");
        let generation = store.advisory_generation().await.unwrap();
        assert_eq!(generation, import.seq, "{name}");

        // The same files again: nothing changes, the generation stays.
        let again = store
            .import_advisories(&admin_actor(), &names(&["a.json", "kev.json"]), &first)
            .await
            .unwrap();
        assert_eq!(
            (
                again.advisories_new,
                again.advisories_unchanged,
                again.changed
            ),
            (0, 1, false),
            "{name}"
        );
        assert_eq!(
            again.kev_version, None,
            "{name}: the same KEV catalog is not stored again"
        );
        assert_eq!(
            store.advisory_generation().await.unwrap(),
            generation,
            "{name}"
        );

        // One unreadable document refuses the whole feed, named; nothing is stored.
        let mut broken = feed(&[("b.json", advisory("TEST-02", "1", "Second"))]);
        broken.refused.push(hygeia_advisories::Refusal {
            path: "bundle.tar.gz!/broken.json".into(),
            reason: "not valid JSON: EOF".into(),
        });
        let refused = store
            .import_advisories(&admin_actor(), &names(&["bundle.tar.gz"]), &broken)
            .await
            .unwrap_err();
        let StoreError::Invalid(errors) = refused else {
            panic!("{name}: {refused:?}")
        };
        assert_eq!(errors.0[0].field, "bundle.tar.gz!/broken.json", "{name}");
        let status = store.feed_status().await.unwrap();
        assert_eq!(
            status.advisories, 1,
            "{name}: nothing of the refused feed is stored"
        );
        assert_eq!(store.advisory_imports(10).await.unwrap().len(), 2, "{name}");
        let empty = store
            .import_advisories(&admin_actor(), &names(&["x"]), &feed(&[]))
            .await
            .unwrap_err();
        assert!(
            empty.to_string().contains("neither a CSAF advisory"),
            "{name}: {empty}"
        );

        // A newer revision replaces the stored one; an older one is counted and ignored.
        let newer = feed(&[("a2.json", advisory("TEST-01", "2", "Revised words"))]);
        let replaced = store
            .import_advisories(&admin_actor(), &names(&["a2.json"]), &newer)
            .await
            .unwrap();
        assert_eq!(
            (replaced.advisories_updated, replaced.changed),
            (1, true),
            "{name}"
        );
        assert!(
            store.advisory_generation().await.unwrap() > generation,
            "{name}"
        );
        let older = store
            .import_advisories(&admin_actor(), &names(&["a.json"]), &first)
            .await
            .unwrap();
        assert_eq!(
            (older.advisories_older, older.changed),
            (1, false),
            "{name}"
        );
        let loaded = store.load_advisory_feed().await.unwrap().unwrap();
        assert_eq!(loaded.index.advisories().len(), 1, "{name}");
        assert_eq!(
            loaded.index.advisories()[0].title,
            "Revised words",
            "{name}"
        );
        assert_eq!(loaded.index.kev().map(KevCatalog::len), Some(1), "{name}");

        let trail = audit(&store, "advisories.import").await;
        assert_eq!(
            trail.len(),
            4,
            "{name}: one record per stored import, none for the refused ones"
        );
    }
}

#[tokio::test]
async fn matches_follow_the_inventory_and_their_triage_is_audited_and_scoped() {
    for db in testing::all().await {
        let name = db.name;
        let (store, org, plant) = with_plant(&db).await;
        let clinic = store
            .create_entity(&admin_actor(), &org, &entity("Clinique"), any_type)
            .await
            .unwrap();
        let neighbour = json!({"id": "plc-neighbour", "ips": ["10.1.0.9"], "names": [], "roles": ["plc"],
            "protocols": ["s7comm"], "vendor": "Siemens", "model": "6ES7 315-2EH14-0AB1", "firmware": "V3.2.6",
            "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T09:00:00Z"});
        store
            .ingest_observations(
                &admin_actor(),
                &plant.id,
                "s1",
                &batch(vec![plc("plc-1", "V3.2.6"), neighbour]),
            )
            .await
            .unwrap();
        store
            .ingest_observations(
                &admin_actor(),
                &clinic.id,
                "s2",
                &batch(vec![plc("plc-c", "V3.2.6")]),
            )
            .await
            .unwrap();
        let mut first = feed(&[("a.json", advisory("TEST-01", "1", "S7-300 flaw"))]);
        first.kev = Some(kev());
        store
            .import_advisories(&admin_actor(), &names(&["a.json"]), &first)
            .await
            .unwrap();
        assert_eq!(store.stale_asset_count().await.unwrap(), 3, "{name}");
        let loaded = store.load_advisory_feed().await.unwrap().unwrap();
        let run = store.match_stale_assets(&loaded, None).await.unwrap();
        assert_eq!(
            (run.assets, run.matches_new, run.assets_newly_affected),
            (3, 2, 2),
            "{name}: {run:?}"
        );
        assert_eq!(store.stale_asset_count().await.unwrap(), 0, "{name}");
        let rerun = store.match_stale_assets(&loaded, None).await.unwrap();
        assert_eq!(rerun.assets, 0, "{name}: nothing is matched twice");

        let plant_only = EntityScope::Only([plant.id.clone()].into());
        let open = VulnerabilityFilter {
            open: Some(true),
            ..VulnerabilityFilter::default()
        };
        let seen = matches_of(&store, &plant_only, open.clone()).await;
        assert_eq!(
            seen.len(),
            1,
            "{name}: the neighbouring order number does not match, the clinic is out of scope"
        );
        let found = &seen[0];
        // KEV and still to handle is read as a range of the priority: the same row.
        let kev_open = VulnerabilityFilter {
            kev: Some(true),
            ..open.clone()
        };
        let kev_seen = matches_of(&store, &plant_only, kev_open).await;
        assert_eq!(
            kev_seen.iter().map(|m| &m.id).collect::<Vec<_>>(),
            vec![&found.id],
            "{name}"
        );
        assert_eq!(
            (found.asset_key.as_str(), found.status, found.basis.as_str()),
            ("plc-1", MatchState::Affected, "model_number"),
            "{name}"
        );
        assert!(
            found.kev && found.known_ransomware && found.needs_action,
            "{name}"
        );
        assert_eq!(
            (found.cves.clone(), found.cvss),
            (vec!["CVE-2099-0042".to_owned()], Some(7.5)),
            "{name}"
        );
        assert_eq!(found.remediations[0].category, "vendor_fix", "{name}");
        let events = store
            .list_asset_events(
                &EntityScope::All,
                Some(&plant.id),
                Some("newly_affected"),
                PageRequest::new(Some(50), None),
                None,
            )
            .await
            .unwrap();
        assert_eq!(events.items.len(), 1, "{name}");
        assert!(
            events.items[0].summary.contains("TEST-01"),
            "{name}: {}",
            events.items[0].summary
        );

        // The firmware is updated: the asset is matched again, fixed, and says so.
        store
            .ingest_observations(
                &admin_actor(),
                &plant.id,
                "s1",
                &batch(vec![plc("plc-1", "V3.2.17")]),
            )
            .await
            .unwrap();
        assert_eq!(store.stale_asset_count().await.unwrap(), 1, "{name}");
        let run = store
            .match_stale_assets(&loaded, Some(&plant.id))
            .await
            .unwrap();
        assert_eq!(
            (run.matches_changed, run.assets_fixed),
            (1, 1),
            "{name}: {run:?}"
        );
        let fixed = store.vulnerability(&plant_only, &found.id).await.unwrap();
        assert_eq!(
            (fixed.status, fixed.needs_action, fixed.priority),
            (MatchState::Fixed, false, 0),
            "{name}"
        );
        assert!(
            matches_of(&store, &plant_only, open.clone())
                .await
                .is_empty(),
            "{name}"
        );
        let fixed_events = store
            .list_asset_events(
                &EntityScope::All,
                Some(&plant.id),
                Some("no_longer_affected"),
                PageRequest::new(Some(50), None),
                None,
            )
            .await
            .unwrap();
        assert_eq!(fixed_events.items.len(), 1, "{name}");

        // Triage: the clinic's match, out of the plant user's sight, then by one who sees it.
        let clinic_match = matches_of(
            &store,
            &EntityScope::All,
            VulnerabilityFilter {
                entity_id: Some(clinic.id.clone()),
                ..VulnerabilityFilter::default()
            },
        )
        .await
        .remove(0);
        let today = chrono::NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
        let accept = TriageInput {
            triage: "accepted_risk".into(),
            note: Some("line stops for validation in June".into()),
            until: Some("2026-06-30".into()),
        }
        .check(today)
        .unwrap();
        let hidden = store
            .triage_vulnerability(&admin_actor(), &plant_only, &clinic_match.id, &accept)
            .await
            .unwrap_err();
        assert!(
            matches!(hidden, StoreError::NotFound { .. }),
            "{name}: {hidden:?}"
        );
        let triaged = store
            .triage_vulnerability(&admin_actor(), &EntityScope::All, &clinic_match.id, &accept)
            .await
            .unwrap();
        assert_eq!(
            (triaged.triage, triaged.triage_until.as_deref()),
            (Triage::AcceptedRisk, Some("2026-06-30")),
            "{name}"
        );
        assert_eq!(
            triaged.triaged_by.as_deref(),
            Some("ciso@example.org"),
            "{name}"
        );
        let trail = audit(&store, "vulnerability.triage").await;
        assert_eq!(trail.len(), 1, "{name}");
        assert_eq!(
            trail[0].entity_id.as_deref(),
            Some(clinic.id.as_str()),
            "{name}"
        );
        let json = |text: &Option<String>| -> Value {
            serde_json::from_str(text.as_deref().unwrap()).unwrap()
        };
        assert_eq!(json(&trail[0].after)["triage"], "accepted_risk", "{name}");
        assert_eq!(json(&trail[0].before)["triage"], "new", "{name}");

        // The triage survives a new revision of the advisory (same match, recomputed).
        let newer = feed(&[("a2.json", advisory("TEST-01", "2", "S7-300 flaw, revised"))]);
        store
            .import_advisories(&admin_actor(), &names(&["a2.json"]), &newer)
            .await
            .unwrap();
        let reloaded = store.load_advisory_feed().await.unwrap().unwrap();
        let run = store.match_stale_assets(&reloaded, None).await.unwrap();
        assert_eq!(
            run.assets, 3,
            "{name}: every asset is matched again after a change of feed"
        );
        let kept = store
            .vulnerability(&EntityScope::All, &clinic_match.id)
            .await
            .unwrap();
        assert_eq!(
            (kept.triage, kept.title.as_str()),
            (Triage::AcceptedRisk, "S7-300 flaw, revised"),
            "{name}"
        );
    }
}

/// The whole CISA bundle and the KEV catalog, imported once per engine: every advisory
/// stored, read back into an index that matches like the files do.
#[tokio::test]
async fn the_cisa_bundle_imports_whole_and_matches_like_the_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories");
    let (bundle, kev) = (
        dir.join("cisa-csaf-2024-10-24.tar.gz"),
        dir.join("cisa-kev-2025-08-25.json"),
    );
    if !bundle.is_file() || !kev.is_file() {
        eprintln!(
            "skipped: {} or {} not found",
            bundle.display(),
            kev.display()
        );
        return;
    }
    let feed = Feed::read_all(&[&bundle, &kev]).unwrap();
    assert!(feed.is_complete(), "{:?}", feed.refused);
    let count = i64::try_from(feed.advisories.len()).unwrap();
    for db in testing::all().await {
        let name = db.name;
        let (store, _, plant) = with_plant(&db).await;
        store
            .ingest_observations(
                &admin_actor(),
                &plant.id,
                "s1",
                &batch(vec![plc("plc-1", "V3.2.6")]),
            )
            .await
            .unwrap();
        let import = store
            .import_advisories(&admin_actor(), &names(&["bundle", "kev"]), &feed)
            .await
            .unwrap();
        assert_eq!(import.advisories_new, count, "{name}");
        assert_eq!(import.kev_version.as_deref(), Some("2025.08.25"), "{name}");
        let again = store
            .import_advisories(&admin_actor(), &names(&["bundle", "kev"]), &feed)
            .await
            .unwrap();
        assert_eq!(
            (again.advisories_unchanged, again.changed),
            (count, false),
            "{name}"
        );
        let loaded = store.load_advisory_feed().await.unwrap().unwrap();
        assert_eq!(
            loaded.index.advisories().len(),
            feed.advisories.len(),
            "{name}"
        );
        store.match_stale_assets(&loaded, None).await.unwrap();
        let found = matches_of(&store, &EntityScope::All, VulnerabilityFilter::default()).await;
        let affected: Vec<&str> = found
            .iter()
            .filter(|m| m.status == MatchState::Affected)
            .map(|m| m.tracking_id.as_str())
            .collect();
        for expected in ["ICSA-20-042-05", "ICSA-19-283-02", "ICSA-22-314-02"] {
            assert!(
                affected.contains(&expected),
                "{name}: {expected} not in {affected:?}"
            );
        }
        // The list is in priority order.
        assert!(
            found.windows(2).all(|w| w[0].priority >= w[1].priority),
            "{name}"
        );
        // Page after page by cursor: the same rows in the same order, none twice, none left.
        let ids: Vec<&str> = found.iter().map(|m| m.id.as_str()).collect();
        let mut walked = Vec::new();
        let mut filter = VulnerabilityFilter::default();
        loop {
            let page = store
                .list_vulnerabilities(&EntityScope::All, &filter, PageRequest::new(Some(3), None))
                .await
                .unwrap();
            assert_eq!(page.total, i64::try_from(ids.len()).unwrap(), "{name}");
            walked.extend(page.items.into_iter().map(|m| m.id));
            match page.next {
                Some(next) => filter.after = Some(next),
                None => break,
            }
        }
        assert!(ids.len() > 3, "{name}: {} matches", ids.len());
        assert_eq!(walked, ids, "{name}");
        // The open filter in SQL keeps exactly the rows the domain says still need action.
        let open = VulnerabilityFilter {
            open: Some(true),
            ..VulnerabilityFilter::default()
        };
        let open: Vec<String> = matches_of(&store, &EntityScope::All, open)
            .await
            .into_iter()
            .map(|m| m.id)
            .collect();
        let needing: Vec<&str> = found
            .iter()
            .filter(|m| m.needs_action)
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(open, needing, "{name}");
    }
}

#[tokio::test]
async fn fixes_wait_for_maintenance_windows_and_late_plans_are_overdue() {
    use hygeia_domain::vulnerabilities::planning::{PlanInput, PlanStatus, WindowInput};
    let window = |name: &str, scope: &str, starts: &str, ends: &str| {
        WindowInput {
            name: name.into(),
            kind: "production_stop".into(),
            scope: scope.into(),
            starts_on: starts.into(),
            ends_on: ends.into(),
            notes: None,
        }
        .check()
        .unwrap()
    };
    for db in testing::all().await {
        let name = db.name;
        let (store, org, plant) = with_plant(&db).await;
        let clinic = store
            .create_entity(&admin_actor(), &org, &entity("Clinique"), any_type)
            .await
            .unwrap();
        store
            .set_zone_policy(
                &admin_actor(),
                &plant.id,
                "[[zone]]\nname = \"cell\"\ncidrs = [\"10.1.0.0/24\"]\n",
            )
            .await
            .unwrap();
        store
            .ingest_observations(
                &admin_actor(),
                &plant.id,
                "s1",
                &batch(vec![plc("plc-1", "V3.2.6")]),
            )
            .await
            .unwrap();
        let first = feed(&[("a.json", advisory("TEST-01", "1", "S7-300 flaw"))]);
        store
            .import_advisories(&admin_actor(), &names(&["a.json"]), &first)
            .await
            .unwrap();
        let loaded = store.load_advisory_feed().await.unwrap().unwrap();
        store.match_stale_assets(&loaded, None).await.unwrap();
        let found = matches_of(&store, &EntityScope::All, VulnerabilityFilter::default())
            .await
            .remove(0);

        // A window covers a zone of the entity's policy, or a site of its own.
        let all = EntityScope::All;
        let stop = store
            .create_window(
                &admin_actor(),
                &all,
                &plant.id,
                &window("Winter stop", "zone:cell", "2026-02-16", "2026-02-27"),
            )
            .await
            .unwrap();
        let unknown = store
            .create_window(
                &admin_actor(),
                &all,
                &plant.id,
                &window("x", "zone:lab", "2026-04-01", "2026-04-02"),
            )
            .await
            .unwrap_err();
        assert!(unknown.to_string().contains("scope"), "{name}: {unknown}");
        let elsewhere = store
            .create_window(
                &admin_actor(),
                &all,
                &clinic.id,
                &window("Clinic", "", "2026-04-01", "2026-04-02"),
            )
            .await
            .unwrap();
        let hidden = store
            .create_window(
                &admin_actor(),
                &EntityScope::Only([clinic.id.clone()].into()),
                &plant.id,
                &window("x", "", "2026-04-01", "2026-04-02"),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(hidden, StoreError::NotFound { .. }),
            "{name}: {hidden:?}"
        );

        // A plan waiting for the window is due on its last day, already past on 2026-03-02.
        let plan = |window: Option<&str>, due: Option<&str>, status: &str| {
            PlanInput {
                action: "Update the CPU to V3.2.17".into(),
                window_id: window.map(Into::into),
                due_on: due.map(Into::into),
                owner: Some("OT team".into()),
                status: Some(status.into()),
            }
            .check()
            .unwrap()
        };
        let other_entity = store
            .set_plan(
                &admin_actor(),
                &all,
                &found.id,
                &plan(Some(&elsewhere.id), None, "planned"),
            )
            .await
            .unwrap_err();
        assert!(
            other_entity.to_string().contains("window_id"),
            "{name}: {other_entity}"
        );
        let planned = store
            .set_plan(
                &admin_actor(),
                &all,
                &found.id,
                &plan(Some(&stop.id), None, "planned"),
            )
            .await
            .unwrap();
        let p = planned.plan.unwrap();
        assert_eq!(
            (p.due_on.as_str(), p.overdue, p.status),
            ("2026-02-27", true, PlanStatus::Planned),
            "{name}"
        );
        let overdue = store.overdue_plans(&all).await.unwrap();
        assert_eq!((overdue.len(), overdue[0].plans), (1, 1), "{name}");
        let late = VulnerabilityFilter {
            plan: Some("overdue".into()),
            ..VulnerabilityFilter::default()
        };
        assert_eq!(
            matches_of(&store, &all, late.clone()).await.len(),
            1,
            "{name}"
        );

        // The window moves: the plan follows; it cannot be removed while the plan waits.
        store
            .update_window(
                &admin_actor(),
                &all,
                &stop.id,
                &window("Spring stop", "zone:cell", "2026-04-06", "2026-04-10"),
            )
            .await
            .unwrap();
        let moved = store
            .vulnerability(&all, &found.id)
            .await
            .unwrap()
            .plan
            .unwrap();
        assert_eq!(
            (moved.due_on.as_str(), moved.overdue),
            ("2026-04-10", false),
            "{name}"
        );
        assert!(
            matches_of(&store, &all, late.clone()).await.is_empty(),
            "{name}"
        );
        let busy = store
            .delete_window(&admin_actor(), &all, &stop.id)
            .await
            .unwrap_err();
        assert!(
            busy.to_string().contains("1 remediation plans wait"),
            "{name}: {busy}"
        );

        // Done: never overdue; then the window can go.
        let done = store
            .set_plan(
                &admin_actor(),
                &all,
                &found.id,
                &plan(None, Some("2026-01-31"), "done"),
            )
            .await
            .unwrap()
            .plan
            .unwrap();
        assert!(!done.overdue && done.done_at.is_some(), "{name}");
        assert!(
            store.overdue_plans(&all).await.unwrap().is_empty(),
            "{name}"
        );
        store
            .delete_window(&admin_actor(), &all, &stop.id)
            .await
            .unwrap();
        assert_eq!(audit(&store, "vulnerability.plan").await.len(), 2, "{name}");
        assert_eq!(
            audit(&store, "maintenance_window.create").await.len(),
            2,
            "{name}"
        );
        assert_eq!(
            audit(&store, "maintenance_window.delete").await.len(),
            1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_module_name_reported_beside_the_order_number_is_matched_too() {
    for db in testing::all().await {
        let name = db.name;
        let (store, _, plant) = with_plant(&db).await;
        // An order number no advisory names; the module name is only in the sensor's
        // attributes, first missing, then reported.
        let device = |attributes: Value| {
            json!({"id": "plc-m", "ips": ["10.1.0.7"], "names": [], "roles": ["plc"],
                "protocols": ["s7comm"], "vendor": "Siemens", "model": "6ES7 999-9ZZ99-0AB0",
                "firmware": "V3.2.6", "attributes": attributes,
                "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T09:00:00Z"})
        };
        let ingest = |attributes: Value| {
            let report = batch(vec![device(attributes)]);
            let store = &store;
            let plant = &plant.id;
            async move {
                store
                    .ingest_observations(&admin_actor(), plant, "s1", &report)
                    .await
                    .unwrap();
            }
        };
        ingest(json!([])).await;
        store
            .import_advisories(
                &admin_actor(),
                &names(&["a.json"]),
                &feed(&[("a.json", advisory("TEST-01", "1", "S7-300 flaw"))]),
            )
            .await
            .unwrap();
        let loaded = store.load_advisory_feed().await.unwrap().unwrap();
        store.match_stale_assets(&loaded, None).await.unwrap();
        let all = VulnerabilityFilter::default();
        assert!(
            matches_of(&store, &EntityScope::All, all.clone())
                .await
                .is_empty(),
            "{name}: the order number alone matches nothing"
        );
        ingest(json!([
            {"kind": "model", "value": "6ES7 999-9ZZ99-0AB0", "confidence": 90, "count": 4},
            {"kind": "model", "value": "CPU 315-2 PN/DP", "confidence": 80, "count": 4},
            {"kind": "firmware", "value": "V3.2.6", "confidence": 90, "count": 4}
        ]))
        .await;
        assert_eq!(
            store.stale_asset_count().await.unwrap(),
            1,
            "{name}: a new product name asks for a new matching"
        );
        store.match_stale_assets(&loaded, None).await.unwrap();
        let found = matches_of(&store, &EntityScope::All, all).await;
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        assert_eq!(
            (
                found[0].tracking_id.as_str(),
                found[0].status,
                found[0].basis.as_str()
            ),
            ("TEST-01", MatchState::Affected, "product_name"),
            "{name}: the advisory's product is named by the module name, its firmware in range"
        );
        let asset = store.asset(&found[0].asset_id).await.unwrap();
        assert_eq!(
            asset.product_name.as_deref(),
            Some("CPU 315-2 PN/DP"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_matching_run_with_a_deadline_stops_between_batches_and_says_what_is_left() {
    for db in testing::all().await {
        let name = db.name;
        let (store, _, plant) = with_plant(&db).await;
        // One more asset than a batch holds.
        let assets: Vec<Value> = (0..501)
            .map(|i| plc(&format!("plc-{i}"), "V3.2.6"))
            .collect();
        store
            .ingest_observations(&admin_actor(), &plant.id, "s1", &batch(assets))
            .await
            .unwrap();
        store
            .import_advisories(
                &admin_actor(),
                &names(&["a.json"]),
                &feed(&[("a.json", advisory("TEST-01", "1", "S7-300 flaw"))]),
            )
            .await
            .unwrap();
        let loaded = store.load_advisory_feed().await.unwrap().unwrap();
        let first = store
            .match_stale_assets_until(&loaded, None, Some(std::time::Instant::now()))
            .await
            .unwrap();
        assert_eq!(
            (first.assets, first.matches_new, first.assets_left),
            (500, 500, 1),
            "{name}: one whole batch, then the deadline"
        );
        let rest = store.match_stale_assets(&loaded, None).await.unwrap();
        assert_eq!((rest.assets, rest.assets_left), (1, 0), "{name}");
        assert_eq!(store.stale_asset_count().await.unwrap(), 0, "{name}");
        let total = store
            .list_vulnerabilities(
                &EntityScope::All,
                &VulnerabilityFilter::default(),
                PageRequest::new(Some(1), None),
            )
            .await
            .unwrap()
            .total;
        assert_eq!(total, 501, "{name}: every asset matched once");
    }
}
