//! Demo incidents: a ransomware attack on a sterile filling line whose early warning was
//! sent and whose notification is due, a phishing case still being qualified at the research
//! subsidiary, and an old non-malicious outage judged not significant. Times are relative to
//! now, so the clocks are live whenever the demo starts.

use chrono::Duration;
use hygeia_catalog::Catalog;
use hygeia_store::incidents::{IncidentInput, SubmissionInput, TimelineInput, VerdictInput};
use hygeia_store::{Actor, Store};

fn at(store: &Store, hours_ago: i64) -> String {
    (store.clock().now() - Duration::hours(hours_ago)).to_rfc3339()
}

fn verdict(question: &str, verdict: &str, reasoning: &str) -> VerdictInput {
    VerdictInput {
        question: question.into(),
        verdict: verdict.into(),
        reasoning: reasoning.into(),
    }
}

pub async fn seed(
    store: &Store,
    actor: &Actor,
    plant_entity: &str,
    research_entity: &str,
) -> anyhow::Result<()> {
    let catalog = Catalog::load_embedded()?;
    let scope = hygeia_domain::access::EntityScope::All;
    let ransomware = store
        .create_incident(
            actor,
            &catalog,
            plant_entity,
            &IncidentInput {
                title: "Rançongiciel sur la ligne de remplissage 2 (Tours)".into(),
                description: "Chiffrement du poste de supervision et du serveur d'enregistrement \
                    des lots de la ligne 2 ; production arrêtée."
                    .into(),
                detected_at: at(store, 31),
                aware_at: Some(at(store, 30)),
                status: "contained".into(),
                severity: "critical".into(),
                affected_services: "Remplissage aseptique (ligne 2), libération des lots".into(),
                impact: "Ligne 2 arrêtée depuis 30 heures ; 4 lots en quarantaine.".into(),
                indicators: "Extension .lockbit ; connexions RDP depuis le compte de \
                    télémaintenance du fournisseur"
                    .into(),
                measures: "Ligne isolée du réseau de l'usine ; compte de télémaintenance \
                    désactivé ; restauration depuis les sauvegardes hors ligne en cours."
                    .into(),
                contact: "Claire Martin, RSSI, +33 1 00 00 00 00".into(),
                ..IncidentInput::default()
            },
        )
        .await?;
    for v in [
        verdict(
            "significant",
            "yes",
            "Production arrêtée plus de 24 heures sur une ligne de médicaments stériles.",
        ),
        verdict(
            "malicious",
            "yes",
            "Rançongiciel : note de rançon sur les postes chiffrés.",
        ),
        verdict(
            "personal_data",
            "no",
            "Les systèmes de la ligne ne traitent pas de données à caractère personnel.",
        ),
    ] {
        store
            .set_incident_verdict(actor, &scope, &catalog, &ransomware.id, &v)
            .await?;
    }
    store
        .add_timeline_entry(
            actor,
            &scope,
            &ransomware.id,
            &TimelineInput {
                at: Some(at(store, 29)),
                text: "Ligne 2 isolée du réseau de l'usine.".into(),
            },
        )
        .await?;
    store
        .record_incident_submission(
            actor,
            &scope,
            &catalog,
            &ransomware.id,
            "nis2-art23",
            "early_warning",
            &SubmissionInput {
                submitted_at: Some(at(store, 12)),
                channel: "Portail de déclaration de l'ANSSI".into(),
                recipient_reference: "DEMO-2026-0042".into(),
                report_version: None,
            },
        )
        .await?;
    store
        .create_incident(
            actor,
            &catalog,
            research_entity,
            &IncidentInput {
                title: "Hameçonnage d'un compte du laboratoire de recherche".into(),
                description: "Identifiants saisis sur une fausse page de connexion ; \
                    accès possible aux données d'essais cliniques à vérifier."
                    .into(),
                detected_at: at(store, 5),
                status: "open".into(),
                severity: "medium".into(),
                ..IncidentInput::default()
            },
        )
        .await?;
    let outage = store
        .create_incident(
            actor,
            &catalog,
            plant_entity,
            &IncidentInput {
                title: "Panne du serveur de gestion des lots (Compiègne)".into(),
                description: "Disque défaillant ; bascule sur le serveur de secours.".into(),
                detected_at: at(store, 24 * 60),
                ended_at: Some(at(store, 24 * 60 - 3)),
                status: "closed".into(),
                severity: "low".into(),
                root_cause: "Défaillance matérielle d'un disque".into(),
                lessons_learned: "Surveiller l'état SMART des disques des serveurs de l'usine."
                    .into(),
                ..IncidentInput::default()
            },
        )
        .await?;
    for v in [
        verdict(
            "significant",
            "no",
            "Interruption de trois heures sans effet sur la production ni sur des tiers.",
        ),
        verdict(
            "personal_data",
            "no",
            "Le serveur de gestion des lots ne contient pas de données à caractère personnel.",
        ),
    ] {
        store
            .set_incident_verdict(actor, &scope, &catalog, &outage.id, &v)
            .await?;
    }
    Ok(())
}
