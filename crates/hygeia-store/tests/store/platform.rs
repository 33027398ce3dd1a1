//! Organisation, entities and sites, users and sessions, the audit chain against tampering,
//! migrations, backups and schema parity.

use super::*;

#[tokio::test]
async fn changes_are_stored_with_their_audit_record_and_the_chain_verifies() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        store.check_ready().await.unwrap();
        let org = seeded(&store).await;
        let actor = admin_actor();
        let plant = store
            .create_entity(&actor, &org, &entity("Usine Nord"), any_type)
            .await
            .unwrap();
        assert_eq!(plant.version, 1, "{}", db.name);

        let mut changed = entity("Usine Nord");
        changed.employees = 900;
        let updated = store
            .update_entity(&actor, &plant.id, &changed, Some(1), any_type)
            .await
            .unwrap();
        assert_eq!((updated.employees, updated.version), (900, 2));

        // A stale version is refused and changes nothing.
        let stale = store
            .update_entity(&actor, &plant.id, &entity("Autre"), Some(1), any_type)
            .await;
        assert!(
            matches!(
                stale,
                Err(StoreError::Conflict {
                    field: "version",
                    ..
                })
            ),
            "{}",
            db.name
        );
        assert_eq!(store.entity(&plant.id).await.unwrap().name, "Usine Nord");

        let site = SiteInput {
            name: "Ligne de remplissage".into(),
            kind: SiteKind::Plant,
            city: "Lille".into(),
            country: "FR".into(),
        };
        store.create_site(&actor, &plant.id, &site).await.unwrap();

        let trail = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap();
        let actions: Vec<&str> = trail.items.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "site.create",
                "entity.update",
                "entity.create",
                "organisation.create"
            ]
        );
        let update = &trail.items[1];
        assert_eq!(update.actor_label, "ciso@example.org");
        assert_eq!(update.source, "192.0.2.10");
        assert!(
            update
                .before
                .as_deref()
                .unwrap_or_default()
                .contains("\"employees\":820")
        );
        assert!(
            update
                .after
                .as_deref()
                .unwrap_or_default()
                .contains("\"employees\":900")
        );

        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(
            (report.records, report.first_break),
            (4, None),
            "{}",
            db.name
        );
    }
}

#[tokio::test]
async fn invalid_input_is_refused_and_nothing_is_written() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let mut bad = entity(" ");
        bad.employees = -5;
        match store
            .create_entity(&admin_actor(), &org, &bad, any_type)
            .await
        {
            Err(StoreError::Invalid(errors)) => {
                let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["name", "employees"]);
            }
            other => panic!("{}: expected a validation error, got {other:?}", db.name),
        }
        store
            .create_entity(&admin_actor(), &org, &entity("Clinique"), any_type)
            .await
            .unwrap();
        let duplicate = store
            .create_entity(&admin_actor(), &org, &entity("Clinique"), any_type)
            .await;
        assert!(
            matches!(duplicate, Err(StoreError::Conflict { field: "name", .. })),
            "{}",
            db.name
        );
        let page = store
            .list_entities(
                &org,
                &EntityScope::All,
                &EntityFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        // The refused inserts left no audit record behind either.
        assert_eq!(store.verify_audit_chain().await.unwrap().records, 2);
    }
}

#[tokio::test]
async fn need_to_know_scope_filters_entities_and_audit_records() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let a = store
            .create_entity(&admin_actor(), &org, &entity("Hôpital A"), any_type)
            .await
            .unwrap();
        let b = store
            .create_entity(&admin_actor(), &org, &entity("Laboratoire B"), any_type)
            .await
            .unwrap();
        let scope = EntityScope::Only(BTreeSet::from([a.id.clone()]));
        let filter = EntityFilter {
            q: Some("hôp".into()),
            ..Default::default()
        };
        let seen = store
            .list_entities(
                &org,
                &scope,
                &EntityFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(
            seen.items
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>(),
            ["Hôpital A"]
        );
        let searched = store
            .list_entities(&org, &EntityScope::All, &filter, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(searched.total, 1, "{}: search by text", db.name);
        let trail = store
            .list_audit(&scope, &AuditFilter::default(), PageRequest::default())
            .await
            .unwrap();
        assert!(
            trail
                .items
                .iter()
                .all(|r| r.entity_id.as_deref() != Some(b.id.as_str()))
        );
        assert!(
            trail
                .items
                .iter()
                .any(|r| r.entity_id.as_deref() == Some(a.id.as_str()))
        );
        let past_end = store
            .list_entities(
                &org,
                &EntityScope::All,
                &EntityFilter::default(),
                PageRequest::new(Some(1), Some(5)),
            )
            .await
            .unwrap();
        assert_eq!(
            (past_end.items.len(), past_end.total),
            (0, 2),
            "{}: total past the last page",
            db.name
        );
        let second = store
            .list_entities(
                &org,
                &EntityScope::All,
                &EntityFilter::default(),
                PageRequest::new(Some(1), Some(1)),
            )
            .await
            .unwrap();
        assert_eq!(
            (second.items[0].name.as_str(), second.total),
            ("Laboratoire B", 2)
        );
        let by_action = AuditFilter {
            action: Some("entity.create".into()),
            ..Default::default()
        };
        assert_eq!(
            store
                .list_audit(&EntityScope::All, &by_action, PageRequest::default())
                .await
                .unwrap()
                .total,
            2
        );
    }
}

#[tokio::test]
async fn users_tokens_and_sessions_follow_their_lifecycle() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let new = NewUser {
            email: " Auditor@Example.org ".into(),
            display_name: "Auditrice".into(),
            role: Role::Auditor,
            locale: "fr".into(),
            entity_ids: vec![plant.id.clone()],
            password_hash: Some("$argon2id$stub-for-storage-test".into()),
        };
        let user = store.create_user(&Actor::cli(), &org, &new).await.unwrap();
        assert_eq!(user.email, "auditor@example.org");
        assert_eq!(user.entity_ids, vec![plant.id.clone()]);
        let again = store.create_user(&Actor::cli(), &org, &new).await;
        assert!(matches!(
            again,
            Err(StoreError::Conflict { field: "email", .. })
        ));
        let principal = Store::principal(&user).unwrap();
        assert_eq!(
            principal.scope,
            EntityScope::Only(BTreeSet::from([plant.id.clone()]))
        );
        let (found, hash) = store
            .user_by_email("AUDITOR@example.org")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.id.as_str(), hash.as_deref()),
            (user.id.as_str(), Some("$argon2id$stub-for-storage-test"))
        );

        let token = store
            .create_token(
                &Actor::cli(),
                &token_for(
                    &user.id,
                    "CI export",
                    "hash-1",
                    Some("2026-03-03T00:00:00.000000Z"),
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .token_owner("hash-1")
                .await
                .unwrap()
                .map(|o| o.user.id),
            Some(user.id.clone())
        );
        store.revoke_token(&Actor::cli(), &token.id).await.unwrap();
        assert!(
            store.token_owner("hash-1").await.unwrap().is_none(),
            "revoked token still works"
        );
        store
            .create_token(
                &Actor::cli(),
                &token_for(
                    &user.id,
                    "expired",
                    "hash-2",
                    Some("2026-03-01T00:00:00.000000Z"),
                ),
            )
            .await
            .unwrap();
        assert!(
            store.token_owner("hash-2").await.unwrap().is_none(),
            "expired token still works"
        );

        store
            .create_session(&session_for(
                &user.id,
                "sess-hash",
                "2026-03-02T10:00:00.000000Z",
            ))
            .await
            .unwrap();
        assert!(store.session("sess-hash", IDLE).await.unwrap().is_some());
        let update = hygeia_store::UserUpdate {
            active: Some(false),
            ..Default::default()
        };
        store
            .update_user(&Actor::cli(), &user.id, &update)
            .await
            .unwrap();
        assert!(
            store.session("sess-hash", IDLE).await.unwrap().is_none(),
            "deactivated user keeps a session"
        );

        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);
    }
}

#[tokio::test]
async fn tampering_with_the_database_directly_is_detected() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        for name in ["A", "B", "C"] {
            store
                .create_entity(&admin_actor(), &org, &entity(name), any_type)
                .await
                .unwrap();
        }
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);
        // Hygeia's own path refuses to rewrite history…
        let blocked = tamper(
            &db,
            &["UPDATE audit_log SET actor_label = 'intruder' WHERE seq = 3"],
        )
        .await;
        assert!(
            blocked.is_err(),
            "{}: the append-only trigger did not fire",
            db.name
        );
        // …and someone who removes the trigger is caught by verification.
        let drop_trigger = match db.name {
            "sqlite" => "DROP TRIGGER audit_log_no_update",
            _ => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        };
        tamper(
            &db,
            &[
                drop_trigger,
                "UPDATE audit_log SET actor_label = 'intruder' WHERE seq = 3",
            ],
        )
        .await
        .unwrap();
        let report = store.verify_audit_chain().await.unwrap();
        assert_eq!(report.broken_at, Some(3), "{}", db.name);
        assert!(report.first_break.unwrap_or_default().contains("altered"));
    }
}

async fn tamper(db: &testing::TestDb, statements: &[&'static str]) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    match &db.url {
        hygeia_store::DatabaseUrl::Sqlite(path) => {
            let mut conn =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
            for s in statements {
                conn.execute(*s).await?;
            }
        }
        hygeia_store::DatabaseUrl::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            for s in statements {
                conn.execute(*s).await?;
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_failed_migration_leaves_no_half_schema_and_open_fails() {
    for db in testing::all_empty().await {
        // A conflicting object makes the first migration fail half-way.
        let store = Store::connect(&db.url, test_clock()).await.unwrap();
        drop(store);
        tamper(&db, &["CREATE TABLE audit_head (unrelated TEXT)"])
            .await
            .unwrap();
        let opened = Store::open(&db.url, test_clock()).await;
        let message = opened.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("migrat"), "{}: {message}", db.name);
        // The migration's transaction was rolled back: the earlier tables of it do not exist.
        let leftover = tamper(&db, &["SELECT id FROM organisations"]).await;
        assert!(
            leftover.is_err(),
            "{}: a half-applied schema remained",
            db.name
        );
        let store = Store::connect(&db.url, test_clock()).await.unwrap();
        assert!(store.check_ready().await.is_err());
    }
}

#[tokio::test]
async fn sqlite_backup_restores_the_same_data() {
    let db = testing::sqlite();
    let store = db.store(test_clock()).await;
    let org = seeded(&store).await;
    store
        .create_entity(&admin_actor(), &org, &entity("Avant"), any_type)
        .await
        .unwrap();
    let dir = db
        .url
        .sqlite_path()
        .and_then(|p| p.parent())
        .unwrap()
        .to_path_buf();
    let backup = dir.join("backup.db");
    let size = hygeia_store::backup_sqlite(&store, &backup).await.unwrap();
    assert!(size > 0);
    assert!(
        hygeia_store::backup_sqlite(&store, &backup).await.is_err(),
        "overwrote a backup"
    );
    store
        .create_entity(&admin_actor(), &org, &entity("Après"), any_type)
        .await
        .unwrap();
    store.close().await;

    let path = db.url.sqlite_path().unwrap().to_path_buf();
    hygeia_store::restore_sqlite(&backup, &path, None)
        .await
        .unwrap();
    let restored = db.store(test_clock()).await;
    let names: Vec<String> = restored
        .list_entities(
            &org,
            &EntityScope::All,
            &EntityFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, ["Avant"]);
    assert_eq!(
        restored.verify_audit_chain().await.unwrap().first_break,
        None
    );
    assert!(path.with_extension("before-restore").exists());

    let not_a_db = dir.join("garbage.db");
    std::fs::write(&not_a_db, b"not a database").unwrap();
    assert!(
        hygeia_store::restore_sqlite(&not_a_db, &path, None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn both_engines_have_the_same_tables_and_columns() {
    let Some(pg) = testing::postgres().await else {
        return;
    };
    let sqlite = testing::sqlite();
    let lite_store = sqlite.store(test_clock()).await;
    let pg_store = pg.store(test_clock()).await;
    drop((lite_store, pg_store));
    use sqlx::{Connection, Row};
    let path = sqlite.url.sqlite_path().unwrap().display().to_string();
    let mut lite = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    let rows = sqlx::query(
        "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut lite)
    .await
    .unwrap();
    let lite_cols: BTreeSet<(String, String)> =
        rows.iter().map(|r| (r.get("t"), r.get("c"))).collect();
    let hygeia_store::DatabaseUrl::Postgres(url) = &pg.url else {
        unreachable!()
    };
    let mut pgc = sqlx::PgConnection::connect(url).await.unwrap();
    let rows = sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut pgc)
    .await
    .unwrap();
    let pg_cols: BTreeSet<(String, String)> =
        rows.iter().map(|r| (r.get("t"), r.get("c"))).collect();
    assert_eq!(lite_cols, pg_cols);
    assert!(lite_cols.len() > 40);
}

#[tokio::test]
async fn sites_are_counted_within_the_scope() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let a = store
            .create_entity(&actor, &org, &entity("Hôpital A"), any_type)
            .await
            .unwrap();
        let b = store
            .create_entity(&actor, &org, &entity("Hôpital B"), any_type)
            .await
            .unwrap();
        let site = |name: &str| SiteInput {
            name: name.into(),
            kind: SiteKind::Hospital,
            city: "Lyon".into(),
            country: "FR".into(),
        };
        for (entity, name) in [(&a.id, "Nord"), (&a.id, "Sud"), (&b.id, "Est")] {
            store
                .create_site(&actor, entity, &site(name))
                .await
                .unwrap();
        }
        let before = store.count_sites(&org, &EntityScope::All).await.unwrap();
        assert!(before >= 3, "{before}");
        let only_a = EntityScope::Only(std::iter::once(a.id.clone()).collect());
        assert_eq!(store.count_sites(&org, &only_a).await.unwrap(), 2);
        assert_eq!(
            store
                .count_sites("another-organisation", &EntityScope::All)
                .await
                .unwrap(),
            0
        );
    }
}
