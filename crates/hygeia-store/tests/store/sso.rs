//! Single sign-on storage: provider settings checked, client secrets and PKCE verifiers
//! encrypted at rest and never listed, sign-ins in progress used once and expiring, identity
//! links and just-in-time accounts audited.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hygeia_domain::audit::AuditKey;
use hygeia_domain::clock::{Clock, format_instant};
use hygeia_store::{SsoFlow, SsoProviderInput, SsoRule};

use super::*;

#[derive(Clone)]
struct Later(Arc<Mutex<DateTime<Utc>>>);

impl Clock for Later {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

async fn raw(url: &hygeia_store::DatabaseUrl, sql: &'static str) -> String {
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

fn input() -> SsoProviderInput {
    SsoProviderInput {
        name: "Staff".into(),
        issuer: "https://idp.example.org/realms/staff/".into(),
        discovery: true,
        client_id: "hygeia".into(),
        client_secret: Some("a very secret value".into()),
        rules: vec![SsoRule {
            group: "ciso".into(),
            role: Some("administrator".into()),
            entity_id: None,
        }],
        enabled: true,
        ..SsoProviderInput::default()
    }
}

#[tokio::test]
async fn providers_keep_their_secrets_and_flows_are_used_once() {
    for db in testing::all().await {
        let clock = Later(Arc::new(Mutex::new(test_clock().now())));
        let store = db
            .store(Arc::new(clock.clone()))
            .await
            .with_key(AuditKey::new([5; 32]));
        let org = seeded(&store).await;
        let actor = Actor::system();

        // Checked: addresses, manual endpoints without discovery, roles of rules.
        let mut bad = input();
        bad.issuer = "ftp://idp".into();
        bad.discovery = false;
        bad.rules[0].role = Some("king".into());
        let Err(StoreError::Invalid(errors)) = store.create_sso_provider(&actor, &org, &bad).await
        else {
            panic!("accepted");
        };
        let fields: BTreeSet<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            BTreeSet::from([
                "issuer",
                "authorization_endpoint",
                "token_endpoint",
                "jwks_uri",
                "rules"
            ])
        );

        let created = store
            .create_sso_provider(&actor, &org, &input())
            .await
            .unwrap();
        assert_eq!(created.issuer, "https://idp.example.org/realms/staff");
        assert_eq!(created.scopes, ["email", "profile"]);
        assert_eq!(created.groups_claim, "groups");
        assert!(created.has_client_secret);
        let stored = raw(&db.url, "SELECT client_secret_enc FROM sso_providers").await;
        assert!(!stored.contains("secret value"));
        let id = created.id.clone();
        assert_eq!(
            store.sso_client_secret(&id).await.unwrap().as_deref(),
            Some("a very secret value")
        );
        // An update without a secret keeps it; with one, replaces it.
        let mut change = input();
        change.client_secret = None;
        change.enabled = false;
        let updated = store
            .update_sso_provider(&actor, &org, &id, &change)
            .await
            .unwrap();
        assert!(updated.has_client_secret && !updated.enabled);
        assert!(store.enabled_sso_providers().await.unwrap().is_empty());
        let audit = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter::default(),
                PageRequest::new(Some(100), None),
            )
            .await
            .unwrap();
        let text = serde_json::to_string(&audit.items).unwrap();
        assert!(text.contains("sso_provider.update") && !text.contains("secret value"));

        // A flow is taken once, and not after it expired.
        let flow = SsoFlow {
            provider_id: id.clone(),
            state: "state".into(),
            nonce: "nonce".into(),
            pkce_verifier: "verifier-verifier-verifier-verifier-verifier".into(),
            redirect_uri: "https://hygeia.example.org/login/sso/callback".into(),
            lang: "fr".into(),
        };
        let later = |minutes| format_instant(clock.now() + chrono::Duration::minutes(minutes));
        store
            .create_sso_flow("flow-1", &flow, &later(10))
            .await
            .unwrap();
        let stored = raw(&db.url, "SELECT verifier_enc FROM sso_flows").await;
        assert!(!stored.contains("verifier"));
        let taken = store.take_sso_flow("flow-1").await.unwrap().unwrap();
        assert_eq!(
            (taken.pkce_verifier, taken.lang),
            (flow.pkce_verifier.clone(), "fr".into())
        );
        assert!(store.take_sso_flow("flow-1").await.unwrap().is_none());
        store
            .create_sso_flow("flow-2", &flow, &later(10))
            .await
            .unwrap();
        *clock.0.lock().unwrap() += chrono::Duration::minutes(11);
        assert!(store.take_sso_flow("flow-2").await.unwrap().is_none());

        // Just-in-time account with its link; the link finds it; deleting the provider keeps
        // the account and drops the link.
        let new = NewUser {
            email: "Ciso@Example.org".into(),
            display_name: "CISO".into(),
            role: Role::Administrator,
            locale: "fr".into(),
            entity_ids: vec![],
            password_hash: None,
        };
        let pair = ("https://idp.example.org/realms/staff", "subject-1");
        let user = store
            .create_sso_user(&actor, &org, &id, pair, &new)
            .await
            .unwrap();
        let linked = store
            .sso_linked_user(pair.0, pair.1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (linked.user.id.as_str(), linked.managed),
            (user.id.as_str(), true)
        );
        assert!(matches!(
            store.create_sso_user(&actor, &org, &id, pair, &new).await,
            Err(StoreError::Conflict { .. })
        ));
        store.delete_sso_provider(&actor, &org, &id).await.unwrap();
        assert!(
            store
                .sso_linked_user(pair.0, pair.1)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store.user(&user.id).await.unwrap().email,
            "ciso@example.org"
        );
    }
}
