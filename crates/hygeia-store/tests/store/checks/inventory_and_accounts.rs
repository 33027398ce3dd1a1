//! Checks on what the sensors and the accounts show: unknown devices and flows outside conduits
//! in OT zones, administrators without a second factor, accounts left unused.

use super::*;

/// Zones of Purdue levels 1 and 2, and a lab zone of no level.
const ZONES: &str = "[[zone]]\nname = \"cell\"\ncidrs = [\"10.1.0.0/24\"]\npurdue_level = 1\n\
                     [[zone]]\nname = \"scada\"\ncidrs = [\"10.2.0.0/24\"]\npurdue_level = 2\n\
                     [[zone]]\nname = \"lab\"\ncidrs = [\"10.3.0.0/24\"]\n";

/// A device as a sensor reports it, with neither vendor nor model.
fn asset(key: &str, ip: &str, first_seen: &str) -> Value {
    json!({"id": key, "ips": [ip], "names": [key], "roles": ["plc"], "protocols": ["s7comm"],
        "first_seen": first_seen, "last_seen": "2026-03-01T09:00:00Z"})
}

fn finding(severity: &str, summary: &str, src: &str, dst: &str) -> Value {
    json!({"kind": "conduit_violation", "severity": severity, "summary": summary,
        "src": src, "dst": dst, "protocol": "s7comm", "operations": ["program"],
        "references": [],
        "evidence": {"first_packet": 5, "first_seen": "2026-03-01T09:01:00Z", "packets": 3}})
}

async fn ingest(store: &Store, entity_id: &str, report: Value) {
    let report: hygeia_store::monitoring::ObservedReport = serde_json::from_value(report).unwrap();
    let actor = admin_actor();
    let ingested = store.ingest_observations(&actor, entity_id, "sensor-1", &report);
    ingested.await.unwrap();
}

/// An unidentified PLC `key` in the cell zone of `entity_id`: `ot-unknown-assets` fails.
pub(super) async fn unknown_plc(store: &Store, entity_id: &str, key: &str, ip: &str) {
    let actor = admin_actor();
    let zoned = store.set_zone_policy(&actor, entity_id, ZONES);
    zoned.await.unwrap();
    let report = json!({"assets": [asset(key, ip, "2026-03-01T08:00:00Z")]});
    ingest(store, entity_id, report).await;
}

/// The sensor learns the vendor of PLC `key`: it is identified.
pub(super) async fn identify(store: &Store, entity_id: &str, key: &str, ip: &str) {
    let mut known = asset(key, ip, "2026-03-01T08:00:00Z");
    known["vendor"] = json!("Siemens AG");
    ingest(store, entity_id, json!({ "assets": [known] })).await;
}

/// A plant seen by its sensor: two unidentified devices in OT zones (and three that do not
/// count), two flows programming PLCs outside any conduit (and one medium finding).
async fn plant_seen(store: &Store, plant: &str) {
    let actor = admin_actor();
    let zoned = store.set_zone_policy(&actor, plant, ZONES);
    zoned.await.unwrap();
    let mut siemens = asset("plc-2", "10.1.0.6", "2026-03-01T08:00:00Z");
    siemens["vendor"] = json!("Siemens AG");
    let report = json!({
        "assets": [
            asset("plc-1", "10.1.0.5", "2026-03-01T08:00:00Z"),
            asset("hmi-1", "10.2.0.5", "2026-03-01T08:30:00Z"),
            siemens,
            asset("lims", "10.3.0.7", "2026-03-01T08:00:00Z"),
            asset("laptop", "10.9.0.20", "2026-03-01T08:00:00Z"),
        ],
        "findings": [
            finding("high", "IT workstation programs a PLC", "10.9.0.20", "10.1.0.5"),
            finding("high", "HMI programs a PLC of another cell", "10.2.0.5", "10.1.0.6"),
            finding("medium", "Lab server programs a PLC", "10.3.0.7", "10.1.0.5"),
        ],
    });
    ingest(store, plant, report).await;
}

/// Reviews the finding of `entity_id` whose summary is `summary`; returns its id.
async fn review(store: &Store, entity_id: &str, summary: &str, state: &str) -> String {
    let (all, page) = (EntityScope::All, PageRequest::new(Some(50), None));
    let findings = store.list_monitor_findings(&all, Some(entity_id), page);
    let findings = findings.await.unwrap().items;
    let id = findings
        .iter()
        .find(|f| f.summary == summary)
        .unwrap()
        .id
        .clone();
    let why = "reviewed with the plant";
    let actor = admin_actor();
    let reviewed = store.review_finding(&actor, &all, &id, state, why);
    reviewed.await.unwrap();
    id
}

#[tokio::test]
async fn ot_checks_fail_on_unknown_assets_and_unreviewed_flows_then_pass() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let now = format_instant(test_clock().now());
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let clinic = new_entity(&store, &org, "Clinique").await;
        plant_seen(&store, &plant).await;

        let first = run(&store).await;
        assert_eq!(first.checks, 12, "{name}");
        assert_eq!(counts(&first), (2, 0, 0, 2), "{name}: {first:?}");
        // Unidentified in a zone of levels 0 to 3: not the identified PLC, not the lab zone
        // of no level, not the laptop in no zone.
        let unknown = open(&store, &plant, "ot-unknown-assets", name).await;
        assert_eq!(unknown.severity, "high", "{name}");
        assert_eq!(
            (unknown.record_count, unknown.opened_at.as_str()),
            (2, now.as_str())
        );
        assert_eq!(
            refs(&unknown),
            [("asset", "plc-1 (cell)"), ("asset", "hmi-1 (scada)")],
            "{name}: first seen first"
        );
        let flows = open(&store, &plant, "ot-flows-outside-conduits", name).await;
        assert_eq!(
            (flows.severity.as_str(), flows.record_count),
            ("critical", 2)
        );
        assert_eq!(
            sorted_refs(&flows),
            [
                ("finding", "HMI programs a PLC of another cell"),
                ("finding", "IT workstation programs a PLC")
            ],
            "{name}: high findings only"
        );
        let elsewhere = ObservationFilter {
            entity_id: Some(clinic.clone()),
            ..ObservationFilter::default()
        };
        let none = store.list_observations(&EntityScope::All, &elsewhere);
        assert!(
            none.await.unwrap().is_empty(),
            "{name}: nothing for the clinic"
        );

        // Both identified (one by its vendor, the other by its model); one finding reviewed
        // as a false positive, the other only acknowledged.
        identify(&store, &plant, "plc-1", "10.1.0.5").await;
        let mut hmi = asset("hmi-1", "10.2.0.5", "2026-03-01T08:30:00Z");
        hmi["model"] = json!("6AV2 124-0GC01-0AX0");
        ingest(&store, &plant, json!({ "assets": [hmi] })).await;
        review(
            &store,
            &plant,
            "IT workstation programs a PLC",
            "false_positive",
        )
        .await;
        let other = "HMI programs a PLC of another cell";
        let acknowledged = review(&store, &plant, other, "acknowledged").await;
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 1, 1, 1), "{name}: {second:?}");
        closed(&store, &plant, "ot-unknown-assets", &now, name).await;
        let flows = open(&store, &plant, "ot-flows-outside-conduits", name).await;
        assert_eq!(refs(&flows), [("finding", other)], "{name}");
        assert_eq!(flows.records[0].id, acknowledged, "{name}");
        assert_eq!(flows.record_count, 1, "{name}");

        review(&store, &plant, other, "false_positive").await;
        let third = run(&store).await;
        assert_eq!(counts(&third), (0, 0, 1, 0), "{name}: {third:?}");
        closed(&store, &plant, "ot-flows-outside-conduits", &now, name).await;
        // Each change audited by the system (a refresh only when the count changed).
        assert_eq!(trail(&store, "observation.open").await.len(), 2, "{name}");
        assert_eq!(trail(&store, "observation.update").await.len(), 1, "{name}");
        let closes = trail(&store, "observation.close").await;
        assert_eq!(closes.len(), 2, "{name}");
        assert_eq!(closes[0].actor_label, "system", "{name}");
        assert_eq!(
            closes[0].entity_id.as_deref(),
            Some(plant.as_str()),
            "{name}"
        );
        assert!(chain_intact(&store).await, "{name}");
    }
}

/// Two administrators with a password (the second returned), one without (single sign-on).
async fn administrators(store: &Store, org: &str) -> (String, String) {
    let admin = Role::Administrator;
    let first = user(store, org, "admin@example.org", admin, vec![]).await;
    let second = user(store, org, "ops@example.org", admin, vec![]).await;
    let sso = NewUser {
        email: "sso-admin@example.org".into(),
        display_name: "SSO".into(),
        role: admin,
        locale: "en".into(),
        entity_ids: vec![],
        password_hash: None,
    };
    store.create_user(&Actor::cli(), org, &sso).await.unwrap();
    (first, second)
}

fn deactivated() -> hygeia_store::UserUpdate {
    hygeia_store::UserUpdate {
        active: Some(false),
        ..hygeia_store::UserUpdate::default()
    }
}

#[tokio::test]
async fn admins_without_a_second_factor_fail_on_every_entity_until_enrolled_or_deactivated() {
    use hygeia_domain::mfa;
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let store = store.with_key(AuditKey::new([7; 32]));
        let now = format_instant(clock.now());
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let lab = new_entity(&store, &org, "Laboratoire").await;
        let (admin, ops) = administrators(&store, &org).await;
        user(
            &store,
            &org,
            "qa@example.org",
            Role::Contributor,
            vec![lab.clone()],
        )
        .await;

        // The accounts are the organisation's: the check fails on each of its entities.
        let first = run(&store).await;
        assert_eq!(counts(&first), (2, 0, 0, 2), "{name}: {first:?}");
        for entity_id in [&plant, &lab] {
            let o = open(&store, entity_id, "admins-without-mfa", name).await;
            assert_eq!((o.severity.as_str(), o.record_count), ("high", 2), "{name}");
            assert_eq!(
                sorted_refs(&o),
                [("user", "admin@example.org"), ("user", "ops@example.org")],
                "{name}: not the contributor, not the single sign-on account"
            );
        }

        // One confirms a TOTP factor: the other remains.
        let secret = b"twenty bytes secret!";
        store.begin_totp_enrolment(&admin, secret).await.unwrap();
        let step = u64::try_from(mfa::step_at(clock.now())).unwrap();
        let (code, codes) = (mfa::hotp(secret, step), ["abcde-fghjk".to_owned()]);
        let cli = Actor::cli();
        let confirmed = store.confirm_totp_enrolment(&cli, &admin, &code, &codes);
        assert_eq!(confirmed.await.unwrap(), Some(()), "{name}");
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 2, 0, 2), "{name}: {second:?}");
        let o = open(&store, &lab, "admins-without-mfa", name).await;
        assert_eq!(refs(&o), [("user", "ops@example.org")], "{name}");
        assert_eq!(
            (o.record_count, o.records[0].id.as_str()),
            (1, ops.as_str())
        );

        // It is deactivated: the check passes everywhere.
        store
            .update_user(&Actor::cli(), &ops, &deactivated())
            .await
            .unwrap();
        let third = run(&store).await;
        assert_eq!(counts(&third), (0, 0, 2, 0), "{name}: {third:?}");
        closed(&store, &plant, "admins-without-mfa", &now, name).await;
        closed(&store, &lab, "admins-without-mfa", &now, name).await;
    }
}

/// A successful password sign-in of `user_id`, recorded as the web layer does.
async fn signed_in(store: &Store, user_id: &str, email: &str) {
    let policy = hygeia_domain::throttle::ThrottlePolicy::default();
    let reserved = store.reserve_password_check(email, "192.0.2.10", None, &policy);
    let hygeia_store::CheckReservation::Reserved(check) = reserved.await.unwrap() else {
        panic!("throttled")
    };
    let system = Actor::system();
    let finished = store.finish_password_check(&system, &check, email, Some(user_id), true, None);
    finished.await.unwrap();
}

#[tokio::test]
async fn accounts_unused_for_ninety_days_fail_until_signed_in_or_deactivated() {
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let lab = new_entity(&store, &org, "Laboratoire").await;
        // No administrator with a password: only this check can fail.
        let qa = user(
            &store,
            &org,
            "qa@example.org",
            Role::Contributor,
            vec![lab.clone()],
        )
        .await;
        let auditor = user(&store, &org, "audit@example.org", Role::Auditor, vec![]).await;
        let former = user(&store, &org, "former@example.org", Role::Auditor, vec![]).await;
        let sso = NewUser {
            email: "sso-admin@example.org".into(),
            display_name: "SSO".into(),
            role: Role::Administrator,
            locale: "en".into(),
            entity_ids: vec![],
            password_hash: None,
        };
        let sso = store
            .create_user(&Actor::cli(), &org, &sso)
            .await
            .unwrap()
            .id;
        store
            .update_user(&Actor::cli(), &former, &deactivated())
            .await
            .unwrap();
        assert_eq!(
            counts(&run(&store).await),
            (0, 0, 0, 0),
            "{name}: just created"
        );

        // Ninety days exactly is not yet too long; a minute more is.
        clock.advance(Duration::days(90));
        assert_eq!(counts(&run(&store).await), (0, 0, 0, 0), "{name}");
        clock.advance(Duration::minutes(1));
        let first = run(&store).await;
        assert_eq!(counts(&first), (2, 0, 0, 2), "{name}: {first:?}");
        let o = open(&store, &plant, "accounts-unused", name).await;
        assert_eq!(
            (o.severity.as_str(), o.record_count),
            ("medium", 3),
            "{name}"
        );
        assert_eq!(
            sorted_refs(&o),
            [
                ("user", "audit@example.org"),
                ("user", "qa@example.org"),
                ("user", "sso-admin@example.org")
            ],
            "{name}: active accounts of the organisation, not the deactivated one"
        );
        let on_lab = open(&store, &lab, "accounts-unused", name).await;
        assert_eq!(on_lab.records, o.records, "{name}: the same on each entity");

        // Two sign in; the last account is deactivated.
        signed_in(&store, &qa, "qa@example.org").await;
        signed_in(&store, &auditor, "audit@example.org").await;
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 2, 0, 2), "{name}: {second:?}");
        let o = open(&store, &plant, "accounts-unused", name).await;
        assert_eq!(refs(&o), [("user", "sso-admin@example.org")], "{name}");
        assert_eq!(o.records[0].id, sso, "{name}");
        store
            .update_user(&Actor::cli(), &sso, &deactivated())
            .await
            .unwrap();
        let third = run(&store).await;
        assert_eq!(counts(&third), (0, 0, 2, 0), "{name}: {third:?}");
        let at = format_instant(clock.now());
        closed(&store, &plant, "accounts-unused", &at, name).await;
        closed(&store, &lab, "accounts-unused", &at, name).await;
    }
}
