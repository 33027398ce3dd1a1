//! Demo data: a fictional French mid-sized pharmaceutical group, for a first look.

use hygeia_domain::access::Role;
use hygeia_domain::org::{EntityInput, SiteInput, SiteKind};
use hygeia_store::{Actor, NewUser, Store};

/// The administrator created with the demo, shown once on start-up.
pub struct Credentials {
    pub email: String,
    pub password: String,
}

fn entity(
    name: &str,
    entity_type: &str,
    employees: i64,
    turnover: i64,
    balance: i64,
    parent: Option<&str>,
    reg: &str,
) -> EntityInput {
    EntityInput {
        name: name.into(),
        country: "FR".into(),
        entity_type: entity_type.into(),
        employees,
        annual_turnover_eur: Some(turnover),
        balance_sheet_eur: Some(balance),
        parent_entity_id: parent.map(str::to_owned),
        registration_number: Some(reg.into()),
        ..Default::default()
    }
}

fn site(name: &str, kind: SiteKind, city: &str) -> SiteInput {
    SiteInput {
        name: name.into(),
        kind,
        city: city.into(),
        country: "FR".into(),
    }
}

fn known(code: &str) -> bool {
    code.parse::<hygeia_domain::nis2::EntityType>().is_ok()
}

/// Creates the demo group on an empty database and returns the administrator's credentials.
pub async fn seed(store: &Store) -> anyhow::Result<Credentials> {
    let actor = Actor::system();
    let org = store
        .ensure_organisation(&actor, "Groupe Hygée Santé (demo)")
        .await?;
    let parent = store
        .create_entity(
            &actor,
            &org.id,
            &entity(
                "Laboratoires Hygée SAS",
                "basic_pharmaceutical_manufacturing",
                1_350,
                410_000_000,
                520_000_000,
                None,
                "900 000 001",
            ),
            known,
        )
        .await?;
    for s in [
        site(
            "Usine de Compiègne (formes sèches)",
            SiteKind::Plant,
            "Compiègne",
        ),
        site(
            "Usine de Tours (stériles injectables)",
            SiteKind::Plant,
            "Tours",
        ),
        site("Siège social", SiteKind::Office, "Lyon"),
        site(
            "Salle informatique principale",
            SiteKind::DataCentre,
            "Lyon",
        ),
    ] {
        store.create_site(&actor, &parent.id, &s).await?;
    }
    let research = store
        .create_entity(
            &actor,
            &org.id,
            &entity(
                "Hygée Recherche Clinique SAS",
                "medicinal_product_rd",
                180,
                32_000_000,
                41_000_000,
                Some(&parent.id),
                "900 000 002",
            ),
            known,
        )
        .await?;
    store
        .create_site(
            &actor,
            &research.id,
            &site(
                "Laboratoire de recherche clinique",
                SiteKind::Laboratory,
                "Strasbourg",
            ),
        )
        .await?;
    let devices = store
        .create_entity(
            &actor,
            &org.id,
            &entity(
                "Hygée Dispositifs Médicaux SAS",
                "medical_device_manufacturing",
                290,
                64_000_000,
                38_000_000,
                Some(&parent.id),
                "900 000 003",
            ),
            known,
        )
        .await?;
    store
        .create_site(
            &actor,
            &devices.id,
            &site("Atelier d'assemblage", SiteKind::Plant, "Besançon"),
        )
        .await?;
    let distribution = store
        .create_entity(
            &actor,
            &org.id,
            &entity(
                "Hygée Distribution SARL",
                "not_listed",
                95,
                120_000_000,
                30_000_000,
                Some(&parent.id),
                "900 000 004",
            ),
            known,
        )
        .await?;
    store
        .create_site(
            &actor,
            &distribution.id,
            &site("Plateforme logistique", SiteKind::Warehouse, "Orléans"),
        )
        .await?;

    let password = hygeia_web::auth::random_secret();
    let hash = hygeia_web::auth::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let email = "admin@hygee-demo.example".to_owned();
    store
        .create_user(
            &actor,
            &org.id,
            &NewUser {
                email: email.clone(),
                display_name: "Claire Martin (RSSI)".into(),
                role: Role::Administrator,
                locale: "fr".into(),
                entity_ids: Vec::new(),
                password_hash: Some(hash),
            },
        )
        .await?;
    // Colleagues with narrower access, to show need-to-know (they sign in once an
    // administrator sets their password or SSO is configured).
    for (mail, name, role, entities) in [
        (
            "qualite@hygee-demo.example",
            "Julien Bernard (conformité)",
            Role::ComplianceManager,
            vec![parent.id.clone(), devices.id.clone()],
        ),
        (
            "recherche@hygee-demo.example",
            "Sophie Laurent (recherche)",
            Role::Contributor,
            vec![research.id.clone()],
        ),
        (
            "audit@hygee-demo.example",
            "Cabinet d'audit externe",
            Role::Auditor,
            vec![parent.id.clone()],
        ),
    ] {
        store
            .create_user(
                &actor,
                &org.id,
                &NewUser {
                    email: mail.into(),
                    display_name: name.into(),
                    role,
                    locale: "fr".into(),
                    entity_ids: entities,
                    password_hash: None,
                },
            )
            .await?;
    }
    crate::demo_compliance::seed(store, &parent.id).await?;
    crate::demo_monitoring::seed(store, &actor, &parent.id).await?;
    crate::demo_incidents::seed(store, &actor, &parent.id, &research.id).await?;
    crate::demo_risks::seed(store, &actor, &parent.id).await?;
    crate::demo_suppliers::seed(store, &actor, &parent.id).await?;
    crate::demo_governance::seed(store, &actor, &parent.id).await?;
    // What the automated checks make of all this, so the first visit shows observations and
    // result changes to decide (the hub then runs them every 15 minutes).
    let catalog = hygeia_catalog::Catalog::load_embedded()?;
    let rules = hygeia_catalog::checks::shipped_checks(&catalog)?;
    store.run_checks(&rules, "demo").await?;
    Ok(Credentials { email, password })
}

/// Gives the demo administrator's credentials to the person starting the server, and to nobody
/// else: on a terminal they are printed; when the output goes to a log (a service, a file, a
/// pipe), the password is written to a file readable by this account only, and the log says
/// where, so it never sits in a log collector.
pub fn hand_over(
    credentials: &Credentials,
    listen: &std::net::SocketAddr,
    data_dir: &std::path::Path,
) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    if std::io::stderr().is_terminal() {
        eprintln!(
            "\n  Demo data created. Sign in at http://{listen}/ with\n    e-mail:   {}\n    password: {}\n  \
             (shown once; change it or create your own users with `hygeia user create`).\n",
            credentials.email, credentials.password
        );
        return Ok(());
    }
    let dir = data_dir;
    std::fs::create_dir_all(dir)?;
    let path = dir.join("demo-credentials.txt");
    let _ = std::fs::remove_file(&path);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(|e| {
        anyhow::anyhow!(
            "cannot write the demo credentials to {}: {e}",
            path.display()
        )
    })?;
    writeln!(
        file,
        "e-mail:   {}\npassword: {}",
        credentials.email, credentials.password
    )?;
    eprintln!(
        "\n  Demo data created. Sign in at http://{listen}/ as {}; the password is in {}\n  \
         (readable by this account only: delete the file once you have signed in).\n",
        credentials.email,
        path.display()
    );
    Ok(())
}
