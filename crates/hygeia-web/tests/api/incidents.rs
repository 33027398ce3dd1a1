//! Incidents end to end over the API, on both engines: the NIS2 Art. 23 clocks from
//! awareness, verdicts and submissions (the final report a calendar month after the
//! notification, counted in Paris), obligations set aside, scoping to the caller's entities,
//! lists and the register export, report drafts with their versions and exports (JSON checked
//! against a schema, Markdown, PDF), obligation templates imported, and the audit trail.

use chrono::{DateTime, Utc};
use hygeia_domain::clock::parse_instant;

use super::*;

/// The JSON Schema of a report exported as JSON (`?format=json`).
const REPORT_SCHEMA: &str = include_str!("incident-report.schema.json");

/// A Belgian NIS2 reporting template, as a user would import it.
const BELGIAN_TEMPLATE: &str = r#"
obligation:
  id: "be-nis2-ccb"
  title: {en: "NIS2 incident reporting in Belgium", fr: "Notification des incidents NIS2 en Belgique"}
  recipient: {en: "Centre for Cybersecurity Belgium (CCB), the national CSIRT", fr: "Centre pour la Cybersécurité Belgique (CCB), CSIRT national"}
  legal_basis: {en: "Belgian law of 26 April 2024 transposing Directive (EU) 2022/2555, Art. 23", fr: "Loi belge du 26 avril 2024 transposant la directive (UE) 2022/2555, article 23"}
  applies_to: {countries: [BE], nis2_entities_only: true}
  trigger: [significant]
stages:
  - key: early_warning
    title: {en: "Early warning", fr: "Alerte précoce"}
    due: "24h"
    from: awareness
    help: {en: "First facts within 24 hours of awareness.", fr: "Premiers éléments dans les 24 heures."}
    fields:
      - {key: entity, label: {en: "Entity", fr: "Entité"}, prefill: entity.name}
      - {key: summary, label: {en: "What happened", fr: "Ce qui s'est passé"}, prefill: incident.description}
  - key: notification
    title: {en: "Incident notification", fr: "Notification d'incident"}
    due: "72h"
    from: awareness
    help: {en: "Initial assessment within 72 hours.", fr: "Première évaluation dans les 72 heures."}
    fields:
      - {key: severity, label: {en: "Severity", fr: "Gravité"}, prefill: incident.severity}
  - key: final_report
    title: {en: "Final report", fr: "Rapport final"}
    due: "1 month"
    from: "submitted:notification"
    when_ongoing: moves_to_end
    help: {en: "Detailed description one month after the notification.", fr: "Description détaillée un mois après la notification."}
    fields:
      - {key: root_cause, label: {en: "Root cause", fr: "Cause profonde"}, prefill: incident.root_cause}
"#;

fn at(text: &str) -> DateTime<Utc> {
    parse_instant(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn incident_body(title: &str, detected_at: &str, aware_at: &str) -> Value {
    json!({
        "title": title,
        "description": "Encrypted HMI and batch-record server; ransom note on the console",
        "detected_at": detected_at,
        "aware_at": aware_at,
        "severity": "critical",
        "affected_services": "Sterile production",
        "contact": "rssi@chu-exemple.fr",
    })
}

/// The field names of a problem document.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// One stage of one obligation in an incident's detail.
fn stage<'a>(detail: &'a Value, obligation: &str, key: &str) -> &'a Value {
    detail["obligations"]
        .as_array()
        .and_then(|os| os.iter().find(|o| o["id"] == obligation))
        .and_then(|o| o["stages"].as_array())
        .and_then(|ss| ss.iter().find(|s| s["key"] == key))
        .unwrap_or_else(|| panic!("no {obligation}/{key} in {detail}"))
}

fn obligation<'a>(detail: &'a Value, id: &str) -> &'a Value {
    detail["obligations"]
        .as_array()
        .and_then(|os| os.iter().find(|o| o["id"] == id))
        .unwrap_or_else(|| panic!("no obligation {id} in {detail}"))
}

fn due_at(stage: &Value) -> DateTime<Utc> {
    at(stage["due_at"]
        .as_str()
        .unwrap_or_else(|| panic!("no due_at: {stage}")))
}

impl TestApp {
    async fn incident(&self, token: &str, id: &str) -> Value {
        let (status, detail) = self
            .call(
                Method::GET,
                &format!("/api/v1/incidents/{id}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{detail}");
        detail
    }

    /// The actions the audit trail holds about `object_id`, oldest first.
    async fn audited(&self, object_id: &str) -> Vec<String> {
        let path = format!("/api/v1/audit?object_id={object_id}&limit=200");
        let (status, trail) = self
            .call(
                Method::GET,
                &path,
                Some(self.token(Role::Administrator)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{trail}");
        let mut actions: Vec<String> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap().to_owned())
            .collect();
        actions.reverse();
        actions
    }

    /// A GET with a bearer token, answered in full.
    async fn fetch(&self, path: &str, token: &str) -> Exchange {
        let request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.exchange(request).await
    }

    /// Declares an incident of entity A; its id.
    async fn declare(&self, token: &str, body: Value) -> String {
        let path = format!("/api/v1/entities/{}/incidents", self.ids.entity_a);
        let (status, created) = self
            .call(Method::POST, &path, Some(token), Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["id"].as_str().unwrap().to_owned()
    }

    /// The ids of the reporting-obligation templates, in the catalog's order.
    async fn template_ids(&self) -> Vec<String> {
        let (status, list) = self
            .call(
                Method::GET,
                "/api/v1/obligations",
                Some(self.token(Role::Auditor)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        list.as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The ids of a list of incidents, in the order given.
    async fn listed(&self, query: &str, token: &str) -> Vec<String> {
        let (status, page) = self
            .call(
                Method::GET,
                &format!("/api/v1/incidents{query}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[tokio::test]
async fn nis2_clocks_run_from_awareness_and_follow_verdicts_and_submissions() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let contributor = app.token(Role::Contributor).to_owned();
        let manager = app.token(Role::ComplianceManager).to_owned();

        // A contributor declares it: aware on 29 January at 10:00 in Paris (09:00 UTC).
        let (status, created) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/incidents", app.ids.entity_a),
                Some(&contributor),
                Some(incident_body(
                    "Ransomware on the sterile production line",
                    "2026-01-29T09:40:00+01:00",
                    "2026-01-29T10:00:00+01:00",
                )),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        let id = created["id"].as_str().unwrap().to_owned();
        // The fixture's incident took the entity's first reference of the year.
        assert_eq!(created["reference"], "INC-2026-0002", "{name}");
        assert_eq!(created["aware_at"], "2026-01-29T09:00:00.000000Z");
        let aware = at("2026-01-29T09:00:00Z");

        let detail = app.incident(&contributor, &id).await;
        assert_eq!(detail["entity"]["name"], "Hôpital A");
        assert_eq!(detail["entity"]["time_zone"], "Europe/Paris");
        assert_eq!(detail["entity"]["nis2_class"], "essential");
        // Significance not yet known: the NIS2 clocks run as a precaution.
        let nis2 = obligation(&detail, "nis2-art23");
        assert_eq!(nis2["applicability"], "possible", "{name}: {nis2}");
        assert_eq!(nis2["pending"], json!(["significant"]));
        let early = stage(&detail, "nis2-art23", "early_warning");
        assert_eq!(due_at(early), aware + chrono::Duration::hours(24), "{name}");
        assert_eq!(early["state"], "due");
        assert_eq!(early["overdue"], true, "the test clock is on 2 March");
        let notification = stage(&detail, "nis2-art23", "notification");
        assert_eq!(due_at(notification), aware + chrono::Duration::hours(72));
        assert_eq!(
            stage(&detail, "nis2-art23", "final_report")["waiting_on"],
            "notification"
        );
        // A health establishment in France also owes the health-sector report, with no
        // invented deadline: the time elapsed since awareness.
        let health = stage(&detail, "fr-health-serious-incidents", "report");
        assert_eq!(
            (health["state"].as_str(), health["since"].as_str()),
            (
                Some("without_deadline"),
                Some("2026-01-29T09:00:00.000000Z")
            )
        );

        // Contributors document; deciding on reporting is for managers.
        let verdicts = format!("/api/v1/incidents/{id}/verdicts");
        let significant = |reasoning: &str| json!({"question": "significant", "verdict": "yes", "reasoning": reasoning});
        let (status, _) = app
            .call(
                Method::POST,
                &verdicts,
                Some(&contributor),
                Some(significant("Production stopped")),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A yes needs its reasoning.
        let (status, problem) = app
            .call(
                Method::POST,
                &verdicts,
                Some(&manager),
                Some(json!({"question": "significant", "verdict": "yes"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(fields(&problem), ["reasoning"], "{problem}");
        let (status, verdict) = app
            .call(
                Method::POST,
                &verdicts,
                Some(&manager),
                Some(significant(
                    "Sterile production stopped for three days; batches destroyed",
                )),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{verdict}");
        assert_eq!(verdict["decided_by"], "compliance_manager@example.org");
        let detail = app.incident(&contributor, &id).await;
        assert_eq!(obligation(&detail, "nis2-art23")["applicability"], "owed");

        // The early warning on time, then the notification on 31 January at 00:30 in Paris
        // (30 January, 23:30 UTC).
        let submit = |stage: &str, when: &str| {
            (
                format!("/api/v1/incidents/{id}/reports/nis2-art23/{stage}/submission"),
                json!({"submitted_at": when, "channel": "CERT-FR portal",
                       "recipient_reference": "CERTFR-2026-0042"}),
            )
        };
        for (stage_key, when) in [
            ("early_warning", "2026-01-30T08:15:00+01:00"),
            ("notification", "2026-01-31T00:30:00+01:00"),
        ] {
            let (path, body) = submit(stage_key, when);
            let (status, recorded) = app
                .call(Method::POST, &path, Some(&manager), Some(body))
                .await;
            assert_eq!(
                status,
                StatusCode::CREATED,
                "{name} {stage_key}: {recorded}"
            );
        }
        // A stage is submitted once.
        let (path, body) = submit("notification", "2026-01-31T09:00:00+01:00");
        let (status, problem) = app
            .call(Method::POST, &path, Some(&manager), Some(body))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {problem}");

        let detail = app.incident(&contributor, &id).await;
        let early = stage(&detail, "nis2-art23", "early_warning");
        assert_eq!(
            (early["state"].as_str(), early["late"].as_bool()),
            (Some("submitted"), Some(false))
        );
        // Still ongoing a month after the notification: the progress report is owed at that
        // month's end, and the final report waits for the end of the incident.
        let progress = stage(&detail, "nis2-art23", "progress_report");
        assert_eq!(progress["state"], "due", "{name}: {progress}");
        assert_eq!(
            stage(&detail, "nis2-art23", "final_report")["waiting_on"],
            "incident_end"
        );

        // It was resolved on 10 February: the final report is due one calendar month after
        // the notification, counted in Paris — 31 January 00:30 + 1 month = 28 February
        // 00:30 (the month has no 31st), i.e. 27 February 23:30 UTC. Counted in UTC, the
        // notification fell on 30 January and the month would end a day later.
        let mut resolved = incident_body(
            "Ransomware on the sterile production line",
            "2026-01-29T09:40:00+01:00",
            "2026-01-29T10:00:00+01:00",
        );
        resolved["status"] = json!("resolved");
        resolved["ended_at"] = json!("2026-02-10T18:00:00+01:00");
        resolved["root_cause"] = json!("Unpatched VPN appliance");
        resolved["version"] = detail["incident"]["version"].clone();
        let (status, updated) = app
            .call(
                Method::PUT,
                &format!("/api/v1/incidents/{id}"),
                Some(&contributor),
                Some(resolved),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {updated}");
        assert_eq!(updated["status"], "resolved");
        let detail = app.incident(&contributor, &id).await;
        let last = stage(&detail, "nis2-art23", "final_report");
        assert_eq!(last["state"], "due", "{name}: {last}");
        assert_eq!(due_at(last), at("2026-02-28T00:30:00+01:00"), "{name}");
        assert_eq!(last["due_at"], "2026-02-27T23:30:00.000000Z");
        assert_ne!(due_at(last), at("2026-02-28T23:30:00Z"));
        assert_eq!(
            stage(&detail, "nis2-art23", "progress_report")["state"],
            "not_owed",
            "the incident ended before the month was out"
        );

        // GDPR Art. 33 still runs as a precaution (personal data not yet known) and is the
        // next deadline; set aside with a reason, it stops counting; restored, it counts.
        assert_eq!(detail["next_deadline"]["obligation_id"], "gdpr-art33");
        assert_eq!(
            detail["incident"]["next_due_at"],
            "2026-02-01T09:00:00.000000Z"
        );
        let aside = format!("/api/v1/incidents/{id}/obligations/gdpr-art33/set-aside");
        let (status, problem) = app
            .call(
                Method::PUT,
                &aside,
                Some(&manager),
                Some(json!({"reason": "  "})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(fields(&problem), ["reason"]);
        let reason = "The line's systems hold no personal data (checked with the DPO)";
        let (status, set) = app
            .call(
                Method::PUT,
                &aside,
                Some(&manager),
                Some(json!({ "reason": reason })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {set}");
        assert_eq!(set["reason"], reason);
        let detail = app.incident(&contributor, &id).await;
        assert_eq!(
            obligation(&detail, "gdpr-art33")["set_aside"]["reason"],
            reason
        );
        assert_eq!(
            (
                detail["next_deadline"]["obligation_id"].as_str(),
                detail["next_deadline"]["stage_key"].as_str()
            ),
            (Some("nis2-art23"), Some("final_report")),
            "{name}"
        );
        assert_eq!(
            detail["incident"]["next_due_at"],
            "2026-02-27T23:30:00.000000Z"
        );
        let (status, _) = app
            .call(Method::DELETE, &aside, Some(&contributor), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.call(Method::DELETE, &aside, Some(&manager), None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let detail = app.incident(&contributor, &id).await;
        assert!(obligation(&detail, "gdpr-art33")["set_aside"].is_null());
        assert_eq!(detail["next_deadline"]["obligation_id"], "gdpr-art33");
        let (status, _) = app.call(Method::DELETE, &aside, Some(&manager), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "nothing left to restore");

        // The story keeps every decision.
        let kinds: Vec<&str> = detail["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for kind in ["verdict", "submission", "status", "obligation"] {
            assert!(kinds.contains(&kind), "{name}: no {kind} in {kinds:?}");
        }

        // Every change is in the audit trail.
        assert_eq!(
            app.audited(&id).await,
            [
                "incident.create",
                "incident.verdict",
                "incident.update",
                "incident.obligation.set_aside",
                "incident.obligation.restore",
            ],
            "{name}"
        );
        for stage_key in ["early_warning", "notification"] {
            assert_eq!(
                app.audited(&format!("{id}/nis2-art23/{stage_key}")).await,
                ["incident.submit"],
                "{name} {stage_key}"
            );
        }
    }
}

#[tokio::test]
async fn an_incident_of_another_entity_is_not_found_for_those_scoped_elsewhere() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let contributor = app.token(Role::Contributor).to_owned();
        let manager = app.token(Role::ComplianceManager).to_owned();
        let (status, created) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/incidents", app.ids.entity_b),
                Some(&admin),
                Some(incident_body(
                    "Analyser offline",
                    "2026-03-01T07:00:00Z",
                    "2026-03-01T07:30:00Z",
                )),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        let b = created["id"].as_str().unwrap().to_owned();
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/incidents", app.ids.entity_b),
                Some(&contributor),
                Some(incident_body(
                    "Analyser offline",
                    "2026-03-01T07:00:00Z",
                    "2026-03-01T07:30:00Z",
                )),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{name}: declared in entity B"
        );

        let mut update = incident_body("Renamed", "2026-03-01T07:00:00Z", "2026-03-01T07:30:00Z");
        update["status"] = json!("contained");
        let verdict = json!({"question": "significant", "verdict": "no",
                             "reasoning": "Back-up analyser took over"});
        let report = format!("/api/v1/incidents/{b}/reports/nis2-art23/early_warning");
        for (method, path, body) in [
            (Method::GET, format!("/api/v1/incidents/{b}"), None),
            (
                Method::PUT,
                format!("/api/v1/incidents/{b}"),
                Some(update.clone()),
            ),
            (Method::GET, report.clone(), None),
            (Method::GET, format!("{report}/export?format=json"), None),
            (Method::GET, format!("{report}/export?format=pdf"), None),
            (
                Method::POST,
                format!("/api/v1/incidents/{b}/timeline"),
                Some(json!({"text": "Looked around"})),
            ),
        ] {
            let (status, body) = app
                .call(method.clone(), &path, Some(&contributor), body)
                .await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{name}: {method} {path} as contributor: {body}"
            );
        }
        // Verdicts: a contributor may not decide on any incident (403 before any lookup);
        // a manager of entity A gets 404 for entity B's.
        let verdicts = format!("/api/v1/incidents/{b}/verdicts");
        let (status, _) = app
            .call(
                Method::POST,
                &verdicts,
                Some(&contributor),
                Some(verdict.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, _) = app
            .call(
                Method::POST,
                &verdicts,
                Some(&manager),
                Some(verdict.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        let (status, _) = app
            .call(Method::POST, &verdicts, Some(&admin), Some(verdict))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}");
        // Lists and exports keep to the caller's entities.
        assert!(!app.listed("", &contributor).await.contains(&b));
        assert!(app.listed("", &admin).await.contains(&b));
        let csv = app
            .raw(Method::GET, "/api/v1/incidents/export", &contributor, None)
            .await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(!csv.contains("Laboratoire B"), "{name}: {csv}");
        // Nothing the refused requests asked for happened.
        assert_eq!(
            app.audited(&b).await,
            ["incident.create", "incident.verdict"],
            "{name}"
        );
    }
}

#[tokio::test]
async fn lists_filter_by_status_and_overdue_and_the_register_exports_in_french() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let contributor = app.token(Role::Contributor).to_owned();
        // Resolved in February, its early warning never sent: overdue, not ongoing.
        let mut old = incident_body(
            "Phishing: a nurse's mailbox",
            "2026-02-02T10:00:00Z",
            "2026-02-02T10:00:00Z",
        );
        old["status"] = json!("resolved");
        old["ended_at"] = json!("2026-02-03T10:00:00Z");
        old["severity"] = json!("medium");
        let old = app.declare(&contributor, old).await;
        // Became known half an hour ago: ongoing, nothing overdue yet.
        let fresh = app
            .declare(
                &contributor,
                incident_body(
                    "DDoS on the patient portal",
                    "2026-03-02T08:20:00Z",
                    "2026-03-02T08:30:00Z",
                ),
            )
            .await;
        // The fixture's incident: ongoing, its early warning an hour overdue.
        let fixture = app.ids.incident.clone();

        assert_eq!(
            app.listed("?overdue=true", &contributor).await,
            [old.as_str(), fixture.as_str()],
            "{name}: overdue, most overdue first"
        );
        assert_eq!(
            app.listed("?status=ongoing", &contributor).await,
            [fixture.as_str(), fresh.as_str()],
            "{name}: ongoing, nearest deadline first"
        );
        assert_eq!(
            app.listed("?status=ongoing&overdue=true", &contributor)
                .await,
            [fixture.as_str()]
        );
        assert_eq!(
            app.listed("?status=resolved", &contributor).await,
            [old.as_str()]
        );
        assert_eq!(app.listed("?q=DDoS", &contributor).await, [fresh.as_str()]);
        let (_, page) = app
            .call(
                Method::GET,
                "/api/v1/incidents?overdue=true",
                Some(&contributor),
                None,
            )
            .await;
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["overdue"] == true),
            "{page}"
        );
        let (status, problem) = app
            .call(
                Method::GET,
                "/api/v1/incidents?status=pending",
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(fields(&problem), ["status"]);
        let (status, problem) = app
            .call(
                Method::GET,
                "/api/v1/incidents/export?status=pending",
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(fields(&problem), ["status"]);

        // The register in French: a UTF-8 BOM, `;` between cells, French headers and values.
        let csv = app
            .raw(
                Method::GET,
                "/api/v1/incidents/export?lang=fr",
                &contributor,
                None,
            )
            .await;
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with('\u{feff}'), "{name}: {text}");
        let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
        assert!(
            header.starts_with("Référence;Entité;Titre;Statut;Gravité;"),
            "{header}"
        );
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .flexible(true)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let row = |reference: &str| {
            rows.iter()
                .find(|r| r.get(0) == Some(reference))
                .unwrap_or_else(|| panic!("no {reference} in {text}"))
        };
        let fixture_row = row("INC-2026-0001");
        assert_eq!(fixture_row.get(1), Some("Hôpital A"));
        assert_eq!(fixture_row.get(9), Some("oui"), "{name}: overdue");
        assert_eq!(row("INC-2026-0003").get(9), Some("non"));
        // In English, commas.
        let en = app
            .raw(
                Method::GET,
                "/api/v1/incidents/export?lang=en&status=ongoing",
                &contributor,
                None,
            )
            .await;
        let en = String::from_utf8(en).unwrap();
        assert!(
            en.trim_start_matches('\u{feff}')
                .starts_with("Reference,Entity,Title,Status,Severity,"),
            "{en}"
        );
        assert!(
            !en.contains("Phishing"),
            "a resolved incident in the ongoing export"
        );
        // Downloads are recorded.
        assert_eq!(app.audited("incidents").await.len(), 2, "{name}");
    }
}

#[tokio::test]
async fn report_drafts_are_prefilled_versioned_and_exported() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let contributor = app.token(Role::Contributor).to_owned();
        let id = app.ids.incident.clone();
        let report = format!("/api/v1/incidents/{id}/reports/nis2-art23/early_warning");

        // A first draft prefilled from the incident.
        let (status, view) = app
            .call(
                Method::GET,
                &format!("{report}?lang=en"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {view}");
        let text_of = |view: &Value, key: &str| {
            view["fields"]
                .as_array()
                .and_then(|fs| fs.iter().find(|f| f["key"] == key))
                .and_then(|f| f["text"].as_str())
                .unwrap_or_else(|| panic!("no field {key} in {view}"))
                .to_owned()
        };
        assert_eq!(text_of(&view, "entity"), "Hôpital A");
        assert_eq!(
            text_of(&view, "summary"),
            "Results server encrypted; analyses sent out by courier"
        );
        assert!(view["draft_version"].is_null());
        assert_eq!(view["stage"]["due_at"], "2026-03-02T08:00:00.000000Z");

        // Saved twice: versions 1 and 2.
        let first = "Results server encrypted by ransomware";
        let second = "Results server encrypted by ransomware; restored from the offline backup";
        for (version, summary) in [(1, first), (2, second)] {
            let (status, saved) = app
                .call(
                    Method::POST,
                    &report,
                    Some(&contributor),
                    Some(json!({"language": "en", "fields": {
                        "entity": "Hôpital A",
                        "summary": summary,
                        "malicious": "Yes: a ransom note was left on the server"}})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{name}: {saved}");
            assert_eq!(saved["version"], version);
        }
        let (status, problem) = app
            .call(
                Method::POST,
                &report,
                Some(&contributor),
                Some(json!({"language": "en", "fields": {"weather": "Rain"}})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(fields(&problem), ["fields.weather"]);
        let (_, view) = app
            .call(Method::GET, &report, Some(&contributor), None)
            .await;
        assert_eq!(view["draft_version"], 2);
        assert_eq!(view["versions"].as_array().map(Vec::len), Some(2));
        assert_eq!(text_of(&view, "summary"), second);

        // JSON: the latest version, valid against the published schema.
        let json_export = app
            .fetch(&format!("{report}/export?format=json"), &contributor)
            .await;
        assert_eq!(json_export.status, StatusCode::OK, "{}", json_export.body);
        assert_eq!(
            json_export.header(header::CONTENT_TYPE).as_deref(),
            Some("application/json")
        );
        let exported: Value = serde_json::from_str(&json_export.body).unwrap();
        let schema: Value = serde_json::from_str(REPORT_SCHEMA).unwrap();
        assert_eq!(
            validate(&schema, &exported),
            Vec::<String>::new(),
            "{name}: {exported}"
        );
        assert_eq!(exported["schema"], schema["$id"]);
        assert_eq!(exported["entity"]["name"], "Hôpital A");
        assert_eq!(exported["stage_key"], "early_warning");
        assert_eq!(exported["stage"], "Early warning");
        assert_eq!(exported["version"], 2);
        let keys: Vec<&str> = exported["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "entity",
                "nis2_class",
                "contact",
                "aware_at",
                "summary",
                "malicious",
                "cross_border"
            ]
        );
        assert_eq!(exported["fields"][4]["text"], second);
        // An earlier version on request; an unknown one is not found.
        let (_, v1) = app
            .call(
                Method::GET,
                &format!("{report}/export?format=json&version=1"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(v1["fields"][4]["text"], first);
        let (status, _) = app
            .call(
                Method::GET,
                &format!("{report}/export?format=json&version=7"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, problem) = app
            .call(
                Method::GET,
                &format!("{report}/export?format=docx"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&problem), ["format"]);

        // Markdown.
        let md = app
            .fetch(&format!("{report}/export?format=md"), &contributor)
            .await;
        assert_eq!(md.status, StatusCode::OK);
        assert!(
            md.body.contains("Early warning") && md.body.contains("Hôpital A"),
            "{}",
            md.body
        );
        assert!(md.body.contains(second));

        // PDF, in English and in French.
        for (lang, title) in [("en", "Early warning"), ("fr", "Alerte précoce")] {
            let pdf = app
                .raw(
                    Method::GET,
                    &format!("{report}/export?format=pdf&lang={lang}"),
                    &contributor,
                    None,
                )
                .await;
            assert!(pdf.starts_with(b"%PDF-"), "{name} {lang}: not a PDF");
            match pdf_text(&pdf, &format!("{name}-{lang}")) {
                Some(text) => {
                    assert!(
                        text.contains("Hôpital A") && text.contains(title),
                        "{name} {lang}: {text}"
                    );
                }
                None => println!("skipping the PDF text check ({lang}): pdftotext is not on PATH"),
            }
        }

        // The health-sector report starts from the entity's registration number.
        let mut entity = entity_body("Hôpital A");
        entity["registration_number"] = json!("FINESS 350000022");
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/entities/{}", app.ids.entity_a),
                Some(app.token(Role::ComplianceManager)),
                Some(entity),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");
        let (status, health) = app
            .call(
                Method::GET,
                &format!("/api/v1/incidents/{id}/reports/fr-health-serious-incidents/report"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {health}");
        assert_eq!(text_of(&health, "registration"), "FINESS 350000022");

        // Saves and downloads are in the audit trail.
        let trail = app.audited(&format!("{id}/nis2-art23/early_warning")).await;
        assert_eq!(
            trail
                .iter()
                .filter(|a| *a == "incident.report.save")
                .count(),
            2,
            "{name}: {trail:?}"
        );
        assert!(
            trail.iter().filter(|a| *a == "export.download").count() >= 4,
            "{name}: {trail:?}"
        );
    }
}

#[tokio::test]
async fn the_story_of_an_incident_is_documented_and_audited() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let contributor = app.token(Role::Contributor).to_owned();
        let id = app.ids.incident.clone();

        let timeline = format!("/api/v1/incidents/{id}/timeline");
        let (status, entry) = app
            .call(
                Method::POST,
                &timeline,
                Some(&contributor),
                Some(json!({"at": "2026-03-01T09:30:00+01:00", "text": "Server isolated"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {entry}");
        assert_eq!(entry["at"], "2026-03-01T08:30:00.000000Z");
        let (status, problem) = app
            .call(
                Method::POST,
                &timeline,
                Some(&contributor),
                Some(json!({"at": "yesterday", "text": "Server isolated"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&problem), ["at"]);

        let actions = format!("/api/v1/incidents/{id}/actions");
        let action = json!({"title": "Test restoring the offline backup",
                            "owner": "contributor@example.org", "due_date": "2026-04-15"});
        let (status, created) = app
            .call(
                Method::POST,
                &actions,
                Some(&contributor),
                Some(action.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        assert_eq!(created["status"], "open");
        let action_id = created["id"].as_str().unwrap().to_owned();
        let mut stranger = action.clone();
        stranger["owner"] = json!("nobody@example.org");
        let (status, problem) = app
            .call(Method::POST, &actions, Some(&contributor), Some(stranger))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&problem), ["owner"]);
        let mut done = action.clone();
        done["status"] = json!("done");
        done["from_review"] = json!(true);
        let (status, updated) = app
            .call(
                Method::PUT,
                &format!("{actions}/{action_id}"),
                Some(&contributor),
                Some(done),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {updated}");
        assert_eq!(
            (updated["status"].as_str(), updated["done_at"].as_str()),
            (Some("done"), Some("2026-03-02T09:00:00.000000Z"))
        );

        let links = format!("/api/v1/incidents/{id}/links");
        let (status, problem) = app
            .call(
                Method::PUT,
                &links,
                Some(&contributor),
                Some(json!({"requirements": ["iso27001-2022/a.99.1"]})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&problem), ["requirements[0]"]);
        let (status, linked) = app
            .call(
                Method::PUT,
                &links,
                Some(&contributor),
                Some(json!({"assets": [app.ids.asset_a],
                            "requirements": ["iso27001-2022/a.8.22"]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {linked}");
        assert_eq!(linked.as_array().map(Vec::len), Some(2));

        let detail = app.incident(app.token(Role::Auditor), &id).await;
        assert!(
            detail["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "note" && e["text"] == "Server isolated")
        );
        assert_eq!(detail["actions"][0]["status"], "done");
        assert_eq!(detail["links"].as_array().map(Vec::len), Some(2));

        assert_eq!(
            app.audited(&id).await,
            ["incident.create", "incident.timeline.add", "incident.links"],
            "{name}"
        );
        assert_eq!(
            app.audited(&action_id).await,
            ["incident.action.add", "incident.action.update"],
            "{name}"
        );
    }
}

#[tokio::test]
async fn obligation_templates_are_imported_whole_or_not_at_all() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let shipped = app.template_ids().await;
        assert_eq!(
            shipped,
            [
                "nis2-art23",
                "fr-health-serious-incidents",
                "gdpr-art33",
                "gdpr-art34"
            ]
        );
        let imports_before = app.audit_count("catalog.import").await;

        // A broken file is refused whole, each problem named by file, entry and field.
        let broken = BELGIAN_TEMPLATE
            .replacen("due: \"24h\"", "due: \"24 hours\"", 1)
            .replace(
                "from: \"submitted:notification\"",
                "from: \"submitted:final\"",
            )
            .replace("prefill: incident.root_cause", "prefill: incident.weather");
        let import = |file: &str, content: &str| json!({"kind": "obligation", "format": "yaml", "file_name": file, "content": content});
        let (status, problem) = app
            .call(
                Method::POST,
                "/api/v1/catalog/imports",
                Some(&admin),
                Some(import("be-broken.yaml", &broken)),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {problem}");
        let detail = problem["detail"].as_str().unwrap();
        for part in [
            "be-broken.yaml",
            "early_warning",
            "`due`",
            "final_report",
            "`from`",
            "fields[0].prefill",
        ] {
            assert!(detail.contains(part), "{name}: no {part} in {detail}");
        }
        assert_eq!(
            app.template_ids().await,
            shipped,
            "a broken file changed the templates"
        );
        let (_, imports) = app
            .call(Method::GET, "/api/v1/catalog/imports", Some(&admin), None)
            .await;
        assert_eq!(imports.as_array().map(Vec::len), Some(0));
        assert_eq!(app.audit_count("catalog.import").await, imports_before);

        // A good one is added, listed with its stages and audited.
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/catalog/imports",
                Some(&admin),
                Some(import("be-nis2-ccb.yaml", BELGIAN_TEMPLATE)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        assert_eq!(created["id"], "be-nis2-ccb");
        let (_, list) = app
            .call(
                Method::GET,
                "/api/v1/obligations",
                Some(app.token(Role::Auditor)),
                None,
            )
            .await;
        let belgian = list
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == "be-nis2-ccb")
            .unwrap_or_else(|| panic!("{name}: not listed: {list}"));
        assert_eq!(belgian["file"], "be-nis2-ccb.yaml");
        assert_eq!(belgian["countries"], json!(["BE"]));
        let stages: Vec<(&str, &str, &str)> = belgian["stages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["key"].as_str().unwrap(),
                    s["due"].as_str().unwrap(),
                    s["from"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            stages,
            [
                ("early_warning", "24h", "awareness"),
                ("notification", "72h", "awareness"),
                ("final_report", "1 month", "submitted:notification"),
            ]
        );
        assert_eq!(
            app.audit_count("catalog.import").await,
            json!(imports_before.as_i64().unwrap() + 1)
        );
        // It concerns Belgian entities only: not the French hospital's incident.
        let detail = app
            .incident(app.token(Role::Contributor), &app.ids.incident)
            .await;
        assert!(
            detail["obligations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["id"] != "be-nis2-ccb"),
            "{name}"
        );
        // The example of docs/obligations-format.md imports as it is written.
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/catalog/imports",
                Some(&admin),
                Some(import(
                    "documented-example.yaml",
                    &documented_example().replace("be-nis2-ccb", "be-nis2-ccb-doc"),
                )),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        // The same id twice is refused.
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/catalog/imports",
                Some(&admin),
                Some(import("be-again.yaml", BELGIAN_TEMPLATE)),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
    }
}

/// The example template of `docs/obligations-format.md`.
fn documented_example() -> String {
    let doc = include_str!("../../../../docs/obligations-format.md");
    let section = doc
        .split("## Example: another Member State")
        .nth(1)
        .expect("the example section of docs/obligations-format.md");
    section
        .split("```yaml\n")
        .nth(1)
        .and_then(|block| block.split("\n```").next())
        .expect("a YAML block in the example section")
        .to_owned()
}

/// The text of a PDF as `pdftotext` reads it, or `None` when the tool is not installed.
pub(super) fn pdf_text(pdf: &[u8], label: &str) -> Option<String> {
    let path =
        std::env::temp_dir().join(format!("hygeia-report-{}-{label}.pdf", std::process::id()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("pdftotext: {e}"),
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdftotext: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
    }
}

/// Checks `value` against `schema`, with the part of JSON Schema (draft 2020-12) the report
/// schema uses. A keyword it does not know is reported as a problem, so the schema cannot
/// promise more than is checked.
fn validate(schema: &Value, value: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    check(schema, value, "$", &mut problems);
    problems
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        _ => false,
    }
}

fn check(schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(rules) = schema.as_object() else {
        problems.push(format!("{at}: the schema is not an object"));
        return;
    };
    let mut fail = |message: String| problems.push(format!("{at}: {message}"));
    let mut nested = Vec::new();
    for (keyword, rule) in rules {
        match keyword.as_str() {
            "$schema" | "$id" | "title" | "description" => {}
            "type" => {
                let kinds: Vec<&str> = match rule {
                    Value::String(kind) => vec![kind.as_str()],
                    Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                if !kinds.iter().any(|k| has_type(value, k)) {
                    fail(format!("{value} is not of type {kinds:?}"));
                }
            }
            "const" if value != rule => fail(format!("{value} is not {rule}")),
            "enum" if !rule.as_array().is_some_and(|a| a.contains(value)) => {
                fail(format!("{value} is not one of {rule}"));
            }
            "const" | "enum" => {}
            "required" => {
                if let Some(object) = value.as_object() {
                    for key in rule
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                    {
                        if !object.contains_key(key) {
                            fail(format!("`{key}` is missing"));
                        }
                    }
                }
            }
            "properties" => {
                if let (Some(object), Some(properties)) = (value.as_object(), rule.as_object()) {
                    for (key, sub) in properties {
                        if let Some(v) = object.get(key) {
                            nested.push((sub, v, format!("{at}.{key}")));
                        }
                    }
                }
            }
            "additionalProperties" => {
                if rule != &Value::Bool(false) {
                    fail(format!("additionalProperties {rule} is not supported"));
                } else if let Some(object) = value.as_object() {
                    let known = rules.get("properties").and_then(Value::as_object);
                    for key in object.keys() {
                        if !known.is_some_and(|k| k.contains_key(key)) {
                            fail(format!("`{key}` is not allowed"));
                        }
                    }
                }
            }
            "items" => {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    nested.push((rule, item, format!("{at}[{i}]")));
                }
            }
            "minItems" => {
                if let (Some(items), Some(min)) = (value.as_array(), rule.as_u64())
                    && (items.len() as u64) < min
                {
                    fail(format!("fewer than {min} items"));
                }
            }
            "minLength" | "maxLength" => {
                if let (Some(text), Some(bound)) = (value.as_str(), rule.as_u64()) {
                    let length = text.chars().count() as u64;
                    if keyword == "minLength" && length < bound {
                        fail(format!("{value} is shorter than {bound}"));
                    }
                    if keyword == "maxLength" && length > bound {
                        fail(format!("{value} is longer than {bound}"));
                    }
                }
            }
            "minimum" => {
                if let (Some(n), Some(min)) = (value.as_f64(), rule.as_f64())
                    && n < min
                {
                    fail(format!("{n} is below {min}"));
                }
            }
            "format" => match (rule.as_str(), value.as_str()) {
                (Some("date-time"), Some(text)) => {
                    if DateTime::parse_from_rfc3339(text).is_err() {
                        fail(format!("{value} is not an RFC 3339 date-time"));
                    }
                }
                (Some("date-time"), None) => {}
                _ => fail(format!("format {rule} is not supported")),
            },
            other => fail(format!("the test's validator does not know `{other}`")),
        }
    }
    for (sub, v, path) in nested {
        check(sub, v, &path, problems);
    }
}

#[test]
fn the_schema_check_finds_what_is_wrong() {
    let schema: Value = serde_json::from_str(REPORT_SCHEMA).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let problems = validate(
        &schema,
        &json!({
            "schema": "https://example.org/other.json",
            "language": "de",
            "entity": {"id": "e1", "country": "France", "registration_number": null,
                       "nis2_class": "essential", "time_zone": "Europe/Paris",
                       "colour": "blue"},
            "incident_reference": "INC-2026-0001",
            "incident_title": "Ransomware",
            "obligation_id": "nis2-art23",
            "obligation": "NIS2",
            "recipient": "CERT-FR",
            "legal_basis": "",
            "stage_key": "early_warning",
            "stage": "Early warning",
            "due_at": "tomorrow",
            "submitted_at": null,
            "version": "2",
            "generated_at": "2026-03-02T09:00:00.000000Z",
            "fields": [{"key": "summary", "label": "Summary"}]
        }),
    );
    for expected in [
        "$.schema:",
        "$.language:",
        "$.entity: `name` is missing",
        "$.entity.country:",
        "$.entity: `colour` is not allowed",
        "$.due_at:",
        "$.version:",
        "$.fields[0]: `text` is missing",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected} not found in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 8, "{problems:#?}");
    let unknown = validate(&json!({"pattern": "^a$"}), &json!("a"));
    assert_eq!(unknown.len(), 1, "an unknown keyword passed unnoticed");
}
