//! Sign-in throttling with reserved attempts and known devices, session limits, token scopes
//! and revocation, and who reads organisation-level audit records.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use hygeia_domain::access::TokenScope;
use hygeia_domain::clock::Clock;
use hygeia_domain::throttle::ThrottlePolicy;
use hygeia_store::{CheckReservation, ReservedCheck, UserUpdate};

use super::*;

/// A clock the test moves forward.
#[derive(Clone)]
pub(crate) struct StepClock(Arc<Mutex<DateTime<Utc>>>);

impl StepClock {
    pub(crate) fn new() -> Self {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap();
        Self(Arc::new(Mutex::new(start)))
    }

    pub(crate) fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for StepClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

pub(crate) async fn user(
    store: &Store,
    org: &str,
    email: &str,
    role: Role,
    entities: Vec<String>,
) -> String {
    let new = NewUser {
        email: email.into(),
        display_name: email.into(),
        role,
        locale: "en".into(),
        entity_ids: entities,
        password_hash: Some("$argon2id$stub".into()),
    };
    store
        .create_user(&Actor::cli(), org, &new)
        .await
        .unwrap()
        .id
}

fn reserved(outcome: CheckReservation) -> ReservedCheck {
    match outcome {
        CheckReservation::Reserved(check) => check,
        CheckReservation::Refused { retry_after_secs } => {
            panic!("refused, retry after {retry_after_secs} s")
        }
    }
}

#[tokio::test]
async fn concurrent_guesses_are_counted_before_they_are_checked() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let policy = ThrottlePolicy::default();
        // Thirty guesses at once: the reservation is atomic, so only the free ones pass.
        let attempts = (0..30).map(|_| {
            let store = store.clone();
            async move {
                store
                    .reserve_password_check("ciso@example.org", "198.51.100.9", None, &policy)
                    .await
                    .unwrap()
            }
        });
        let outcomes = futures_util::future::join_all(attempts).await;
        let allowed = outcomes
            .iter()
            .filter(|o| matches!(o, CheckReservation::Reserved(_)))
            .count();
        assert_eq!(allowed as i64, policy.free_failures, "{}", db.name);
        assert!(outcomes.iter().any(|o| matches!(
            o,
            CheckReservation::Refused {
                retry_after_secs: 15
            }
        )));
    }
}

#[tokio::test]
async fn the_owner_signs_in_from_a_known_device_during_an_attack() {
    for db in testing::all().await {
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let id = user(
            &store,
            &org,
            "ciso@example.org",
            Role::Administrator,
            vec![],
        )
        .await;
        store.remember_device(&id, "device-hash").await.unwrap();
        let policy = ThrottlePolicy::default();
        // Twenty failures from as many addresses, a few seconds apart: each address is
        // under its own limit, the account reaches its own.
        for n in 0..20 {
            let source = format!("203.0.113.{n}");
            let check = reserved(
                store
                    .reserve_password_check("ciso@example.org", &source, None, &policy)
                    .await
                    .unwrap(),
            );
            assert!(!check.known_device);
            store
                .finish_password_check(&Actor::cli(), &check, "ciso@example.org", None, false, None)
                .await
                .unwrap();
            clock.advance(Duration::seconds(2));
        }
        // A new address is slowed down: the account is under attack.
        let stranger = store
            .reserve_password_check("ciso@example.org", "192.0.2.77", None, &policy)
            .await
            .unwrap();
        assert!(
            matches!(stranger, CheckReservation::Refused { .. }),
            "{}",
            db.name
        );
        // The owner's browser is not: its failures are its own, and it is known.
        let owner = reserved(
            store
                .reserve_password_check(
                    "CISO@example.org",
                    "192.0.2.77",
                    Some("device-hash"),
                    &policy,
                )
                .await
                .unwrap(),
        );
        assert!(owner.known_device);
        store
            .finish_password_check(
                &Actor::cli(),
                &owner,
                "ciso@example.org",
                Some(&id),
                true,
                None,
            )
            .await
            .unwrap();
        // A device cookie of another account counts for nothing.
        let other = user(&store, &org, "dpo@example.org", Role::Auditor, vec![]).await;
        store.remember_device(&other, "dpo-device").await.unwrap();
        let borrowed = store
            .reserve_password_check(
                "ciso@example.org",
                "192.0.2.78",
                Some("dpo-device"),
                &policy,
            )
            .await
            .unwrap();
        assert!(matches!(borrowed, CheckReservation::Refused { .. }));
        // Long after the window, strangers may try again.
        clock.advance(Duration::minutes(16));
        assert!(matches!(
            store
                .reserve_password_check("ciso@example.org", "192.0.2.77", None, &policy)
                .await
                .unwrap(),
            CheckReservation::Reserved(_)
        ));
        let trail = store.verify_audit_chain().await.unwrap();
        assert_eq!(trail.first_break, None);
    }
}

#[tokio::test]
async fn sessions_end_when_idle_expired_revoked_or_privileges_change() {
    for db in testing::all().await {
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let id = user(
            &store,
            &org,
            "qa@example.org",
            Role::Contributor,
            vec![plant.id.clone()],
        )
        .await;
        let expires = "2026-03-02T21:00:00.000000Z";
        store
            .create_session(&session_for(&id, "s1", expires))
            .await
            .unwrap();
        store
            .create_session(&session_for(&id, "s2", expires))
            .await
            .unwrap();
        // Idle: 29 minutes is fine, and activity moves the mark.
        clock.advance(Duration::minutes(29));
        assert!(store.session("s1", IDLE).await.unwrap().is_some());
        store.touch_session("s1").await.unwrap();
        clock.advance(Duration::minutes(2));
        assert!(store.session("s1", IDLE).await.unwrap().is_some());
        assert!(
            store.session("s2", IDLE).await.unwrap().is_none(),
            "an idle session lives on ({})",
            db.name
        );
        let listed = store.list_sessions(&id).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert_eq!(listed[0].id, "s1", "most recently used first");
        assert_eq!(listed[0].source, "192.0.2.10");
        // Only the owner's own sessions can be ended by them.
        let other = user(&store, &org, "ops@example.org", Role::Contributor, vec![]).await;
        assert!(matches!(
            store.delete_session(&Actor::cli(), "s1", &other).await,
            Err(StoreError::NotFound { .. })
        ));
        store
            .delete_session(&Actor::cli(), "s2", &id)
            .await
            .unwrap();
        // Signing in again from the same browser replaces its old session.
        let rotated = hygeia_store::NewSession {
            replaces: Some("s1"),
            ..session_for(&id, "s3", expires)
        };
        store.create_session(&rotated).await.unwrap();
        assert!(store.session("s1", IDLE).await.unwrap().is_none());
        assert!(store.session("s3", IDLE).await.unwrap().is_some());
        // A new role means signing in again.
        let update = UserUpdate {
            role: Some(Role::Auditor),
            ..UserUpdate::default()
        };
        store
            .update_user(&Actor::cli(), &id, &update)
            .await
            .unwrap();
        assert!(store.session("s3", IDLE).await.unwrap().is_none());
        // Sign out everywhere, keeping the current one.
        store
            .create_session(&session_for(&id, "s4", expires))
            .await
            .unwrap();
        store
            .create_session(&session_for(&id, "s5", expires))
            .await
            .unwrap();
        let ended = store
            .delete_sessions(&Actor::cli(), &id, Some("s5"))
            .await
            .unwrap();
        assert_eq!(ended, 1);
        assert!(store.session("s5", IDLE).await.unwrap().is_some());
        // The absolute limit holds however active the session is.
        clock.advance(Duration::hours(12));
        store.touch_session("s5").await.unwrap();
        assert!(store.session("s5", IDLE).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn tokens_carry_a_scope_and_die_with_the_password_or_the_account() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let lab = store
            .create_entity(&admin_actor(), &org, &entity("Labo"), any_type)
            .await
            .unwrap();
        let id = user(
            &store,
            &org,
            "sensor@example.org",
            Role::ComplianceManager,
            vec![plant.id.clone()],
        )
        .await;
        let ingest = hygeia_store::NewToken {
            scope: TokenScope::Ingest,
            entity_id: Some(&plant.id),
            ..token_for(&id, "plant sensor", "t-ingest", None)
        };
        let token = store.create_token(&Actor::cli(), &ingest).await.unwrap();
        assert_eq!(
            (token.scope.as_str(), token.entity_id.as_deref()),
            ("ingest", Some(plant.id.as_str()))
        );
        let owner = store.token_owner("t-ingest").await.unwrap().unwrap();
        assert_eq!(owner.scope, TokenScope::Ingest);
        assert_eq!(owner.entity_id.as_deref(), Some(plant.id.as_str()));
        // A token cannot name an entity its owner may not see (nor one that does not exist).
        for entity in [lab.id.as_str(), "no-such-entity"] {
            let beyond = hygeia_store::NewToken {
                entity_id: Some(entity),
                ..token_for(&id, "too far", "t-beyond", None)
            };
            assert!(matches!(
                store.create_token(&Actor::cli(), &beyond).await,
                Err(StoreError::Invalid(_))
            ));
        }
        // A password change revokes every token.
        store
            .create_token(&Actor::cli(), &token_for(&id, "script", "t-full", None))
            .await
            .unwrap();
        store
            .set_password_hash(&Actor::cli(), &id, "$argon2id$new")
            .await
            .unwrap();
        assert!(store.token_owner("t-ingest").await.unwrap().is_none());
        assert!(store.token_owner("t-full").await.unwrap().is_none());
        // Deactivation revokes for good: reactivating does not bring tokens back.
        store
            .create_token(&Actor::cli(), &token_for(&id, "later", "t-later", None))
            .await
            .unwrap();
        for active in [false, true] {
            let update = UserUpdate {
                active: Some(active),
                ..UserUpdate::default()
            };
            store
                .update_user(&Actor::cli(), &id, &update)
                .await
                .unwrap();
        }
        assert!(
            store.token_owner("t-later").await.unwrap().is_none(),
            "{}",
            db.name
        );
        let listed = store.list_tokens(&org, Some(&id)).await.unwrap();
        assert!(listed.iter().all(|t| t.revoked_at.is_some()));
    }
}

#[tokio::test]
async fn organisation_records_are_for_those_who_see_every_entity() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        user(
            &store,
            &org,
            "someone@example.org",
            Role::Contributor,
            vec![],
        )
        .await;
        let everything = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter::default(),
                PageRequest::new(Some(100), None),
            )
            .await
            .unwrap();
        assert!(everything.items.iter().any(|r| r.entity_id.is_none()));
        let plant_only = EntityScope::Only(BTreeSet::from([plant.id.clone()]));
        let scoped = store
            .list_audit(
                &plant_only,
                &AuditFilter::default(),
                PageRequest::new(Some(100), None),
            )
            .await
            .unwrap();
        assert!(!scoped.items.is_empty());
        assert!(
            scoped
                .items
                .iter()
                .all(|r| r.entity_id.as_deref() == Some(plant.id.as_str())),
            "an entity-limited reader saw organisation records ({})",
            db.name
        );
        assert!(!scoped.items.iter().any(|r| r.action == "user.create"));
    }
}

/// Reads one value straight from the database, as someone holding a copy of it would.
pub(crate) async fn raw_text(url: &hygeia_store::DatabaseUrl, sql: &'static str) -> String {
    sqlx::any::install_default_drivers();
    let url = match url {
        hygeia_store::DatabaseUrl::Sqlite(path) => format!("sqlite://{}?mode=ro", path.display()),
        hygeia_store::DatabaseUrl::Postgres(url) => url.clone(),
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let value: String = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    value
}

#[tokio::test]
async fn second_factor_secrets_are_encrypted_and_codes_work_once() {
    use hygeia_domain::audit::AuditKey;
    use hygeia_domain::mfa;
    use hygeia_store::FactorUsed;
    for db in testing::all().await {
        let clock = StepClock::new();
        let store = db
            .store(Arc::new(clock.clone()))
            .await
            .with_key(AuditKey::new([2; 32]));
        let org = seeded(&store).await;
        let id = user(
            &store,
            &org,
            "ciso@example.org",
            Role::Administrator,
            vec![],
        )
        .await;
        let secret = b"twenty bytes secret!";
        store.begin_totp_enrolment(&id, secret).await.unwrap();
        let stored = raw_text(&db.url, "SELECT secret_enc FROM totp_factors").await;
        assert!(!stored.contains(&mfa::base32_encode(secret)) && !stored.contains("twenty"));
        assert_eq!(
            store.pending_totp_secret(&id).await.unwrap().as_deref(),
            Some(&secret[..])
        );
        let now = clock.now();
        let code =
            |steps: i64| mfa::hotp(secret, u64::try_from(mfa::step_at(now) + steps).unwrap());
        let codes = vec!["abcde-fghjk".to_owned(), "mnpqr-stuvw".to_owned()];
        assert_eq!(
            store
                .confirm_totp_enrolment(&Actor::cli(), &id, "000000", &codes)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .confirm_totp_enrolment(&Actor::cli(), &id, &code(0), &codes)
                .await
                .unwrap(),
            Some(())
        );
        // A second enrolment over a confirmed one is refused.
        assert!(matches!(
            store.begin_totp_enrolment(&id, secret).await,
            Err(StoreError::Conflict { .. })
        ));
        // Codes work once; recovery codes too, typed loosely.
        assert_eq!(
            store.check_second_factor(&id, &code(0)).await.unwrap(),
            None
        );
        assert_eq!(
            store.check_second_factor(&id, &code(1)).await.unwrap(),
            Some(FactorUsed::Totp)
        );
        assert_eq!(
            store.check_second_factor(&id, "ABCDE FGHJK").await.unwrap(),
            Some(FactorUsed::RecoveryCode)
        );
        assert_eq!(
            store.check_second_factor(&id, "abcde-fghjk").await.unwrap(),
            None
        );
        let hashed = raw_text(
            &db.url,
            "SELECT code_hash FROM recovery_codes ORDER BY code_hash LIMIT 1",
        )
        .await;
        assert!(!hashed.contains("abcde"));
        assert_eq!(
            store
                .second_factor_status(&id)
                .await
                .unwrap()
                .recovery_codes_left,
            1
        );
        // Another instance key cannot read the secret.
        let other = db
            .store(test_clock())
            .await
            .with_key(AuditKey::new([3; 32]));
        assert!(other.check_second_factor(&id, &code(1)).await.is_err());
        // A reset removes everything and ends sessions.
        store
            .create_session(&session_for(&id, "s", "2026-03-02T21:00:00.000000Z"))
            .await
            .unwrap();
        store
            .remove_second_factors(&Actor::cli(), &id)
            .await
            .unwrap();
        assert_eq!(
            store.second_factor_status(&id).await.unwrap(),
            Default::default()
        );
        assert!(store.session("s", IDLE).await.unwrap().is_none());
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(report.first_break, None, "{}", db.name);
        assert!(report.sealed > 0);
    }
}

#[tokio::test]
async fn pending_sign_ins_expire_and_give_up_after_wrong_codes() {
    for db in testing::all().await {
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let id = user(
            &store,
            &org,
            "ciso@example.org",
            Role::Administrator,
            vec![],
        )
        .await;
        store
            .create_pending_sign_in(&id, "p1", "2026-03-02T09:05:00.000000Z", true, "192.0.2.1")
            .await
            .unwrap();
        let pending = store.pending_sign_in("p1").await.unwrap().unwrap();
        assert!(pending.must_enrol);
        assert_eq!(pending.user.id, id);
        for n in 1..hygeia_store::MAX_CODE_ATTEMPTS {
            assert!(
                store
                    .refuse_pending_code(&Actor::cli(), "p1", &id)
                    .await
                    .unwrap(),
                "{n}"
            );
        }
        assert!(
            !store
                .refuse_pending_code(&Actor::cli(), "p1", &id)
                .await
                .unwrap()
        );
        assert!(store.pending_sign_in("p1").await.unwrap().is_none());
        store
            .create_pending_sign_in(&id, "p2", "2026-03-02T09:05:00.000000Z", false, "192.0.2.1")
            .await
            .unwrap();
        clock.advance(Duration::minutes(6));
        assert!(
            store.pending_sign_in("p2").await.unwrap().is_none(),
            "{}",
            db.name
        );
    }
}
