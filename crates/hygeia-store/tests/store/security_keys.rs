//! Security keys: credentials sealed and bound to their user, at most ten per user, one
//! registration of a credential, ceremonies answered once and only before they expire, and
//! removal (one key, or every factor by an administrator) audited.

use std::sync::Arc;

use chrono::Duration;
use hygeia_domain::audit::AuditKey;
use hygeia_store::{Ceremony, NewSecurityKey};

use super::access::{StepClock, raw_text, user};
use super::*;

fn key<'a>(name: &'a str, credential_id: &'a str) -> NewSecurityKey<'a> {
    NewSecurityKey {
        name,
        credential_id,
        credential: b"{\"public key\":\"and counter\"}",
    }
}

#[tokio::test]
async fn security_keys_are_sealed_bounded_and_removed_with_the_factors() {
    for db in testing::all().await {
        let clock = StepClock::new();
        let store = db
            .store(Arc::new(clock.clone()))
            .await
            .with_key(AuditKey::new([3; 32]));
        let org = seeded(&store).await;
        let ciso = user(
            &store,
            &org,
            "ciso@example.org",
            Role::Administrator,
            vec![],
        )
        .await;
        let other = user(&store, &org, "rssi@example.org", Role::Auditor, vec![]).await;
        let codes = vec!["aaaaa-bbbbb".to_owned(), "ccccc-ddddd".to_owned()];

        // The first key turns the factor on and brings recovery codes; the second does not.
        let (first, issued) = store
            .add_security_key(&Actor::cli(), &ciso, key("Keyring", "cred-1"), &codes)
            .await
            .unwrap();
        assert!(issued, "a first factor comes with recovery codes");
        let (_, again) = store
            .add_security_key(&Actor::cli(), &ciso, key("Spare", "cred-2"), &codes)
            .await
            .unwrap();
        assert!(!again, "unused recovery codes are kept");
        let status = store.second_factor_status(&ciso).await.unwrap();
        assert_eq!((status.security_keys, status.recovery_codes_left), (2, 2));
        assert!(status.any());

        // Sealed: the stored form is not the credential, and opens only for its user.
        let stored = raw_text(
            &db.url,
            "SELECT credential_enc FROM security_keys WHERE credential_id = 'cred-1'",
        )
        .await;
        assert!(!stored.contains("public key"));
        let opened = store.security_key_credentials(&ciso).await.unwrap();
        assert_eq!(opened.len(), 2);
        assert_eq!(opened[0].credential, b"{\"public key\":\"and counter\"}");
        sqlx::any::install_default_drivers();
        let url = match &db.url {
            hygeia_store::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            hygeia_store::DatabaseUrl::Postgres(url) => url.clone(),
        };
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query("UPDATE security_keys SET user_id = $1 WHERE credential_id = 'cred-2'")
            .bind(&other)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        assert!(
            matches!(
                store.security_key_credentials(&other).await,
                Err(StoreError::Corrupt(_))
            ),
            "a key moved to another user must not open"
        );

        // A credential registers once; a user has at most ten keys.
        let taken = store
            .add_security_key(&Actor::cli(), &ciso, key("Copy", "cred-1"), &[])
            .await;
        assert!(
            matches!(taken, Err(StoreError::Conflict { .. })),
            "{taken:?}"
        );
        // (cred-2 now belongs to the other user.)
        for n in 3..=11 {
            let id = format!("cred-{n}");
            store
                .add_security_key(&Actor::cli(), &ciso, key("More", &id), &[])
                .await
                .unwrap();
        }
        let eleventh = store
            .add_security_key(&Actor::cli(), &ciso, key("Too many", "cred-12"), &[])
            .await;
        assert!(
            matches!(eleventh, Err(StoreError::Conflict { .. })),
            "{eleventh:?}"
        );

        // Use is recorded; removal is the owner's alone and audited.
        store
            .security_key_used(&ciso, &first.id, "cred-1", b"{\"counter\":2}")
            .await
            .unwrap();
        let listed = store.security_keys(&ciso).await.unwrap();
        assert!(listed[0].last_used_at.is_some());
        assert!(matches!(
            store
                .remove_security_key(&Actor::cli(), &other, &first.id)
                .await,
            Err(StoreError::NotFound { .. })
        ));
        store
            .remove_security_key(&Actor::cli(), &ciso, &first.id)
            .await
            .unwrap();
        let trail = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter::default(),
                PageRequest::new(Some(100), None),
            )
            .await
            .unwrap();
        let actions: Vec<&str> = trail.items.iter().map(|r| r.action.as_str()).collect();
        assert!(actions.contains(&"mfa.security_key_add"), "{actions:?}");
        assert!(actions.contains(&"mfa.security_key_remove"), "{actions:?}");

        // A ceremony is answered once, and not after it expired.
        let expires = hygeia_domain::clock::format_instant(
            hygeia_domain::clock::Clock::now(&clock) + Duration::minutes(5),
        );
        store
            .begin_security_key_ceremony(&ciso, Ceremony::SignIn, "{\"state\":1}", "", &expires)
            .await
            .unwrap();
        let taken = store
            .take_security_key_ceremony(&ciso, Ceremony::SignIn)
            .await
            .unwrap();
        assert_eq!(
            taken.map(|(state, _)| state).as_deref(),
            Some("{\"state\":1}")
        );
        assert!(
            store
                .take_security_key_ceremony(&ciso, Ceremony::SignIn)
                .await
                .unwrap()
                .is_none(),
            "a challenge answered twice"
        );
        store
            .begin_security_key_ceremony(&ciso, Ceremony::Register, "{}", "Late", &expires)
            .await
            .unwrap();
        clock.advance(Duration::minutes(6));
        assert!(
            store
                .take_security_key_ceremony(&ciso, Ceremony::Register)
                .await
                .unwrap()
                .is_none(),
            "an expired challenge was answered"
        );

        // An administrator's reset removes the keys with every other factor.
        store
            .remove_second_factors(&admin_actor(), &ciso)
            .await
            .unwrap();
        let status = store.second_factor_status(&ciso).await.unwrap();
        assert_eq!((status.security_keys, status.recovery_codes_left), (0, 0));
        assert!(!status.any());
    }
}
