//! Demo compliance work for the group's parent company: a mostly complete ISO/IEC 27001
//! assessment with a few gaps, controls serving ISO and NIS2 requirements, and evidence (one
//! piece expired, one expiring soon), so the NIS2 reuse and gap views mean something on first
//! start. Dates are relative to the store's clock.

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use hygeia_catalog::Catalog;
use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690};
use hygeia_domain::access::EntityScope;
use hygeia_store::assessments::{
    AssessmentInput, Attachment, ControlInput, EvidenceLinkInput, EvidenceUpload, RequirementRef,
    ResultInput, ResultValue,
};
use hygeia_store::{Actor, Store};

/// Results that are not `compliant`: (requirement, value, owner, notes or justification).
const EXCEPTIONS: [(&str, ResultValue, &str, &str); 11] = [
    (
        "a.8.22",
        ResultValue::NonCompliant,
        "Responsable OT",
        "Réseau de production à plat à Tours : automates, postes SCADA et bureautique dans le même VLAN.",
    ),
    (
        "a.5.19",
        ResultValue::PartiallyCompliant,
        "Direction des achats",
        "Clauses de sécurité présentes dans les nouveaux contrats seulement ; 40 % des fournisseurs critiques à revoir.",
    ),
    (
        "a.5.21",
        ResultValue::PartiallyCompliant,
        "Direction des achats",
        "Pas d'exigence formalisée envers les intégrateurs des lignes de conditionnement.",
    ),
    (
        "a.8.16",
        ResultValue::PartiallyCompliant,
        "DSI",
        "Supervision des journaux sur l'informatique de gestion ; rien encore sur les réseaux industriels.",
    ),
    (
        "a.5.24",
        ResultValue::PartiallyCompliant,
        "RSSI",
        "Procédure d'incident à jour, mais sans les délais de notification (24 h / 72 h).",
    ),
    (
        "a.6.3",
        ResultValue::PartiallyCompliant,
        "DRH",
        "Sensibilisation annuelle suivie par 78 % du personnel ; rien de spécifique pour la direction.",
    ),
    (
        "a.8.7",
        ResultValue::PartiallyCompliant,
        "Responsable OT",
        "Antivirus absent de trois postes de supervision (éditeur non qualifié).",
    ),
    (
        "a.8.28",
        ResultValue::NotApplicable,
        "DSI",
        "Aucun développement logiciel interne : les applications sont des progiciels qualifiés GxP.",
    ),
    (
        "a.8.30",
        ResultValue::NotApplicable,
        "DSI",
        "Aucun développement externalisé : pas de logiciel développé sur mesure.",
    ),
    (
        "a.5.30",
        ResultValue::NotAssessed,
        "RSSI",
        "Exercice de continuité prévu au prochain trimestre.",
    ),
    (
        "a.7.4",
        ResultValue::NotAssessed,
        "Services généraux",
        "Audit de la vidéosurveillance de Compiègne en cours.",
    ),
];

fn requirement(framework: &str, id: &str) -> RequirementRef {
    RequirementRef {
        framework_id: framework.into(),
        requirement_id: id.into(),
    }
}

fn iso(id: &str) -> RequirementRef {
    requirement(ISO27001_2022, id)
}

fn day(today: NaiveDate, offset: i64) -> String {
    (today + Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

/// The ISO/IEC 27001 results: compliant except for [`EXCEPTIONS`].
fn iso_results(catalog: &Catalog, today: NaiveDate) -> anyhow::Result<Vec<ResultInput>> {
    let framework = catalog
        .framework(ISO27001_2022)
        .context("the ISO/IEC 27001 catalog is missing")?;
    let mut results = Vec::new();
    for r in framework.assessable() {
        let exception = EXCEPTIONS.iter().find(|(id, ..)| *id == r.id);
        let mut input = ResultInput::new(r.id.clone(), ResultValue::Compliant);
        if let Some((_, value, owner, text)) = exception {
            if *value == ResultValue::NotAssessed {
                continue;
            }
            input.value = *value;
            input.owner = Some((*owner).into());
            if *value == ResultValue::NotApplicable {
                input.justification = Some((*text).into());
            } else {
                input.notes = Some((*text).into());
                input.due_on = Some(day(today, 120));
            }
        }
        results.push(input);
    }
    Ok(results)
}

/// Seeds the parent company's compliance work.
pub async fn seed(store: &Store, entity_id: &str) -> anyhow::Result<()> {
    let actor = Actor::system();
    let scope = EntityScope::All;
    let catalog = Catalog::load_embedded().context("loading the embedded catalogs")?;
    let today = store.clock().now().date_naive();

    let assessment = store
        .create_assessment(
            &actor,
            entity_id,
            &AssessmentInput {
                framework_id: ISO27001_2022.into(),
                name: "ISO/IEC 27001 — audit de surveillance".into(),
                scope: "Sites de Compiègne, Tours et Lyon ; systèmes de production et de gestion."
                    .into(),
                starts_on: Some(day(today, -60)),
                ends_on: Some(day(today, 30)),
                status: "in_progress".into(),
                version: None,
            },
            &catalog,
        )
        .await?;
    store
        .set_results(
            &actor,
            &scope,
            &assessment.id,
            &iso_results(&catalog, today)?,
            &catalog,
        )
        .await?;
    store
        .create_assessment(
            &actor,
            entity_id,
            &AssessmentInput {
                framework_id: NIS2_2024_2690.into(),
                name: "NIS2 — règlement d'exécution 2024/2690".into(),
                scope: "Entité essentielle : fabrication de médicaments.".into(),
                starts_on: Some(day(today, -7)),
                ends_on: Some(day(today, 180)),
                status: "in_progress".into(),
                version: None,
            },
            &catalog,
        )
        .await?;

    let mut control_ids = Vec::new();
    for (name, description, owner, status, requirements) in [
        (
            "Politique de sécurité des SI (PSSI)",
            "PSSI du groupe, revue chaque année par le comité de direction.",
            "RSSI",
            "implemented",
            vec![iso("a.5.1"), requirement(NIS2_2024_2690, "1.1.1")],
        ),
        (
            "Segmentation IT/OT",
            "Zones et conduits selon l'IEC 62443 entre la gestion et les lignes de production.",
            "Responsable OT",
            "in_progress",
            vec![iso("a.8.22"), requirement(NIS2_2024_2690, "6.8.1")],
        ),
        (
            "Gestion des vulnérabilités",
            "Scan mensuel, correctifs critiques sous 15 jours, test d'intrusion annuel.",
            "DSI",
            "implemented",
            vec![iso("a.8.8")],
        ),
        (
            "Sauvegardes chiffrées hors site",
            "Sauvegarde quotidienne, copie immuable hebdomadaire, test de restauration trimestriel.",
            "DSI",
            "implemented",
            vec![iso("a.8.13")],
        ),
        (
            "Plan de réponse aux incidents",
            "Cellule de crise, astreinte, fiches réflexes ; notification à l'ANSSI à ajouter.",
            "RSSI",
            "implemented",
            vec![iso("a.5.24"), iso("a.5.26")],
        ),
        (
            "Authentification multifacteur",
            "MFA pour l'accès distant et les comptes d'administration.",
            "DSI",
            "planned",
            vec![iso("a.8.5"), requirement(NIS2_2024_2690, "11.7.1")],
        ),
    ] {
        let control = store
            .create_control(
                &actor,
                entity_id,
                &ControlInput {
                    name: name.into(),
                    description: description.into(),
                    owner: Some(owner.into()),
                    status: status.into(),
                    implemented_on: (status == "implemented").then(|| day(today, -400)),
                    next_review_on: Some(day(today, 90)),
                    requirements,
                    version: None,
                },
                &catalog,
            )
            .await?;
        control_ids.push(control.id);
    }

    let pentest = store
        .add_evidence_file(
            &actor,
            entity_id,
            &EvidenceUpload {
                title: "Rapport de test d'intrusion 2025".into(),
                file_name: "test-intrusion-2025.txt".into(),
                valid_until: Some(day(today, -20)),
                media_type: Some("text/plain".into()),
            },
            "Synthèse : 2 vulnérabilités critiques (corrigées), 5 moyennes.\n".as_bytes(),
        )
        .await?;
    let certificate = store
        .add_evidence_link(
            &actor,
            entity_id,
            &EvidenceLinkInput {
                title: "Certificat ISO/IEC 27001 (organisme certificateur)".into(),
                url: "https://certificats.example/hygee/27001".into(),
                valid_until: Some(day(today, 21)),
            },
        )
        .await?;
    let policy = store
        .add_evidence_file(
            &actor,
            entity_id,
            &EvidenceUpload {
                title: "PSSI v3.2 signée".into(),
                file_name: "pssi-v3.2.txt".into(),
                valid_until: Some(day(today, 700)),
                media_type: Some("text/plain".into()),
            },
            "Politique de sécurité des systèmes d'information, version 3.2.\n".as_bytes(),
        )
        .await?;
    let control = |i: usize| Attachment {
        control_id: control_ids.get(i).cloned(),
        framework_id: None,
        requirement_id: None,
    };
    let on_iso = |id: &str| Attachment {
        control_id: None,
        framework_id: Some(ISO27001_2022.into()),
        requirement_id: Some(id.into()),
    };
    for (evidence, target) in [
        (&pentest.id, control(2)),
        (&pentest.id, on_iso("a.8.8")),
        (&certificate.id, on_iso("a.5.1")),
        (&policy.id, control(0)),
    ] {
        store
            .attach_evidence(&actor, &scope, evidence, &target, &catalog)
            .await?;
    }
    Ok(())
}
