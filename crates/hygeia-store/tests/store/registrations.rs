//! Registration data on both engines: saved whole or not at all (every bad item named), saved
//! again with its version counted, audited with what it said before, hidden outside the
//! caller's scope.

use hygeia_domain::org::registration::RegistrationInput;

use super::*;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn registration_data_is_saved_whole_versioned_and_audited() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        let input = entity("Clinique du Parc");
        let clinic = store
            .create_entity(&actor, &org, &input, any_type)
            .await
            .unwrap()
            .id;
        assert_eq!(store.registration(&all, &clinic).await.unwrap(), None);
        let first = RegistrationInput {
            address: "12 rue des Lilas, 60200 Compiègne".into(),
            emails: strings(&["rssi@clinique.example"]),
            phones: strings(&["+33 3 44 00 00 00"]),
            member_states: strings(&["fr", "be"]),
            ip_ranges: strings(&["81.250.16.0/20", "2a01:cb00:0000::/28"]),
            ..RegistrationInput::default()
        };
        let saved = store
            .save_registration(&actor, &all, &clinic, &first)
            .await
            .unwrap();
        assert_eq!(saved.version, 1, "{name}");
        assert_eq!(saved.data.member_states, strings(&["BE", "FR"]), "{name}");
        assert_eq!(
            saved.data.ip_ranges,
            strings(&["81.250.16.0/20", "2a01:cb00::/28"]),
            "{name}"
        );

        let bad = RegistrationInput {
            ip_ranges: strings(&["81.250.16.0/20", "10.0.0.0/8"]),
            ..first.clone()
        };
        let refused = store
            .save_registration(&actor, &all, &clinic, &bad)
            .await
            .unwrap_err();
        match refused {
            StoreError::Invalid(errors) => {
                assert_eq!(errors.0[0].field, "ip_ranges[1]", "{name}");
            }
            other => panic!("{name}: {other}"),
        }
        let kept = store.registration(&all, &clinic).await.unwrap().unwrap();
        assert_eq!(kept, saved, "{name}: nothing stored by a refused save");

        let second = RegistrationInput {
            phones: strings(&["+33 3 44 00 00 00", "+33 6 00 00 00 00"]),
            ..first.clone()
        };
        let again = store
            .save_registration(&actor, &all, &clinic, &second)
            .await
            .unwrap();
        assert_eq!((again.version, again.data.phones.len()), (2, 2), "{name}");
        let trail = store
            .list_audit(
                &all,
                &AuditFilter {
                    action: Some("entity.registration.update".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(trail.total, 2, "{name}");
        let latest = &trail.items[0];
        assert!(
            latest
                .before
                .as_deref()
                .is_some_and(|b| !b.contains("+33 6"))
                && latest.after.as_deref().is_some_and(|a| a.contains("+33 6")),
            "{name}"
        );
        let elsewhere = EntityScope::Only(["other".to_owned()].into());
        let hidden = store.registration(&elsewhere, &clinic).await.unwrap_err();
        assert!(matches!(hidden, StoreError::NotFound { .. }), "{name}");
        let hidden = store
            .save_registration(&actor, &elsewhere, &clinic, &first)
            .await
            .unwrap_err();
        assert!(matches!(hidden, StoreError::NotFound { .. }), "{name}");
    }
}
