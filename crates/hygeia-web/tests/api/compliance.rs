//! Compliance work: reuse with provenance, decisions, reviews, evidence, scoping, exports.

use super::*;
use std::collections::{BTreeMap, HashSet};

const SET: &str = "enisa-2024-2690-to-iso27001-2022";

fn derived<'v>(reuse: &'v Value, requirement: &str) -> &'v Value {
    reuse["view"]["derived"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["requirement_id"] == requirement)
        .unwrap_or_else(|| panic!("{requirement} not in the view"))
}

fn sources(d: &Value) -> Vec<String> {
    d["provenance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["source_requirement"].as_str().unwrap().to_owned())
        .collect()
}

/// Picks NIS2 requirements reached only directly by ENISA pairs naming assessable ISO
/// requirements, with disjoint sources, so each can be given its own scenario. Hygeia's
/// reviewed crosswalk must not decide them: each needs a reviewed ISO requirement outside its
/// ENISA sources, which no other scenario touches (the pair rules then decide).
fn pick(reuse: &Value, catalog: &hygeia_catalog::Catalog, wanted: &[usize]) -> Vec<Value> {
    let iso = catalog.framework("iso27001-2022").unwrap();
    let mut used: HashSet<String> = HashSet::new();
    let mut picked = Vec::new();
    for want in wanted {
        let found = reuse["view"]["derived"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| {
                let provenance = d["provenance"].as_array().unwrap();
                let srcs = sources(d);
                let distinct: HashSet<&String> = srcs.iter().collect();
                provenance.len() == *want
                    && distinct.len() == *want
                    && provenance.iter().all(|p| {
                        p["reach"]["kind"] == "direct"
                            && p["mapping_set"] == SET
                            && iso
                                .requirement(p["source_requirement"].as_str().unwrap())
                                .is_some_and(|r| r.assessable)
                    })
                    && srcs.iter().all(|s| !used.contains(s))
                    && d["review"]["verdict"] != "not_covered"
                    && d["review"]["by_ids"].as_array().is_some_and(|by| {
                        by.iter().any(|b| {
                            let b = b.as_str().unwrap_or_default();
                            !srcs.iter().any(|s| s == b) && !used.contains(b)
                        })
                    })
                    && !picked
                        .iter()
                        .any(|p: &Value| p["requirement_id"] == d["requirement_id"])
            });
        let found = found.unwrap_or_else(|| panic!("no requirement with {want} direct pairs left"));
        used.extend(sources(found));
        used.extend(
            found["review"]["by_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b.as_str().map(str::to_owned)),
        );
        picked.push(found.clone());
    }
    picked
}

fn review(p: &Value, decision: Value) -> Value {
    json!({"mapping_set": p["mapping_set"], "source": p["pair_source"],
           "target": p["pair_target"], "decision": decision})
}

#[tokio::test]
async fn every_reuse_rule_shows_through_the_api_with_provenance_and_can_be_decided() {
    let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let auditor = app.token(Role::Auditor).to_owned();
        // A fresh ISO assessment: nothing assessed yet.
        let (status, iso) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/assessments", app.ids.entity_a),
                Some(&admin),
                Some(json!({"framework_id": "iso27001-2022", "name": "ISO 2026",
                            "scope": "Tout le périmètre", "status": "in_progress",
                            "starts_on": "2026-01-05", "ends_on": "2026-06-30"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{iso}");
        let iso = iso["id"].as_str().unwrap().to_owned();
        let reuse_path = format!("/api/v1/assessments/{iso}/reuse");
        let (status, empty) = app
            .call(Method::GET, &reuse_path, Some(&auditor), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{empty}");
        assert_eq!(empty["view"]["target_framework"], "nis2-2024-2690");
        let rules: HashSet<&str> = empty["view"]["derived"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        // Nothing assessed: every point waits for its sources, except those Hygeia's review
        // finds ISO does not cover at all.
        assert_eq!(
            rules,
            HashSet::from(["not_covered_by_review", "sources_not_assessed"])
        );
        let not_covered = empty["view"]["derived"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["rule"] == "not_covered_by_review")
            .unwrap()
            .clone();
        assert_eq!(not_covered["value"], "no_coverage");
        assert_eq!(not_covered["review"]["verdict"], "not_covered");
        assert_eq!(
            not_covered["review"]["mapping_set"],
            "hygeia-2024-2690-to-iso27001-2022"
        );

        // One requirement per scenario, with sources of its own.
        let picks = pick(&empty, &catalog, &[1, 1, 1, 1, 2, 1, 1, 2]);
        let [
            rejected,
            not_applicable,
            equal_nc,
            all_nc,
            some_nc,
            covered,
            partial,
            mixed,
        ] = <[Value; 8]>::try_from(picks).unwrap();
        let mut results = Vec::new();
        let mut set = |d: &Value, values: &[&str]| {
            for (source, value) in sources(d).iter().zip(values) {
                let mut r = json!({"requirement_id": source, "value": value});
                if *value == "not_applicable" {
                    r["justification"] = json!("Hors périmètre");
                }
                results.push(r);
            }
        };
        set(&rejected, &["compliant"]);
        set(&not_applicable, &["not_applicable"]);
        set(&equal_nc, &["non_compliant"]);
        set(&all_nc, &["non_compliant"]);
        set(&some_nc, &["non_compliant", "compliant"]);
        set(&covered, &["compliant"]);
        set(&partial, &["compliant"]);
        set(&mixed, &["partially_compliant", "compliant"]);
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/assessments/{iso}/results"),
                Some(&admin),
                Some(json!({ "results": results })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // Before any review, the covered scenario is only partial (ENISA says intersect).
        let (_, before) = app.call(Method::GET, &reuse_path, Some(&admin), None).await;
        let id = |d: &Value| d["requirement_id"].as_str().unwrap().to_owned();
        assert_eq!(
            derived(&before, &id(&covered))["rule"],
            "partial_relationships_only"
        );

        let pair = |d: &Value| d["provenance"][0].clone();
        for (d, decision) in [
            (
                &rejected,
                json!({"kind": "rejected", "rationale": "Sans rapport"}),
            ),
            (
                &equal_nc,
                json!({"kind": "refined", "relationship": "equal", "rationale": "Même exigence"}),
            ),
            (
                &covered,
                json!({"kind": "refined", "relationship": "subset", "rationale": "Notre A couvre tout"}),
            ),
        ] {
            let (status, body) = app
                .call(
                    Method::PUT,
                    "/api/v1/mapping-reviews",
                    Some(&admin),
                    Some(review(&pair(d), decision)),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (status, body) = app
            .call(
                Method::PUT,
                "/api/v1/mapping-reviews",
                Some(&admin),
                Some(review(
                    &pair(&partial),
                    json!({"kind": "refined", "relationship": "equal", "rationale": " "}),
                )),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "rationale");

        let (_, after) = app.call(Method::GET, &reuse_path, Some(&admin), None).await;
        let expect = [
            (&not_covered, "not_covered_by_review", "no_coverage"),
            (&rejected, "all_pairs_rejected", "no_coverage"),
            (
                &not_applicable,
                "only_not_applicable_sources",
                "no_coverage",
            ),
            (&equal_nc, "equal_source_non_compliant", "non_compliant"),
            (&all_nc, "all_sources_non_compliant", "non_compliant"),
            (&some_nc, "some_source_non_compliant", "partially_compliant"),
            (&covered, "covered_by_compliant_sources", "compliant"),
            (
                &partial,
                "partial_relationships_only",
                "partially_compliant",
            ),
            (&mixed, "mixed_source_results", "partially_compliant"),
        ];
        for (d, rule, value) in expect {
            let now = derived(&after, &id(d));
            assert_eq!(
                (now["rule"].as_str(), now["value"].as_str()),
                (Some(rule), Some(value)),
                "{now}"
            );
            assert!(
                now["explanation"]["en"]
                    .as_str()
                    .is_some_and(|e| !e.is_empty())
            );
        }
        let rules: HashSet<&str> = after["view"]["derived"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        for (_, rule, _) in expect {
            assert!(rules.contains(rule), "{rule} does not show: {rules:?}");
        }
        // Provenance names the source, its result, the pair, the relationships and reviews.
        let p = &derived(&after, &id(&covered))["provenance"][0];
        assert_eq!(p["source_result"], "compliant");
        assert_eq!(p["relationship"], "superset");
        assert_eq!(p["shipped_relationship"], "intersect");
        assert_eq!(p["review"]["state"], "refined");
        assert_eq!(p["counted_as"], "covers");
        let p = &derived(&after, &id(&rejected))["provenance"][0];
        assert_eq!(
            (p["review"]["state"].as_str(), p["counted_as"].as_str()),
            (Some("rejected"), Some("ignored_rejected"))
        );
        let p = &derived(&after, &id(&not_applicable))["provenance"][0];
        assert_eq!(p["counted_as"], "ignored_not_applicable");

        // Accept and override into the NIS2 assessment.
        let nis2 = &app.ids.nis2;
        let accept = format!("/api/v1/assessments/{nis2}/accept");
        let (status, accepted) = app
            .call(
                Method::POST,
                &accept,
                Some(&admin),
                Some(json!({"source_assessment_id": iso, "requirement_id": id(&partial)})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{accepted}");
        assert_eq!(accepted["value"], "partially_compliant");
        assert_eq!(accepted["origin"], "accepted_derivation");
        assert_eq!(
            accepted["origin_detail"]["rule"],
            "partial_relationships_only"
        );
        assert_eq!(
            accepted["origin_detail"]["source_framework"],
            "iso27001-2022"
        );
        assert!(
            !accepted["origin_detail"]["sources"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        let (status, refused) = app
            .call(
                Method::POST,
                &accept,
                Some(&admin),
                Some(json!({"source_assessment_id": iso, "requirement_id": id(&not_covered)})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "requirement_id");
        let overriding = format!("/api/v1/assessments/{nis2}/override");
        let (status, refused) = app
            .call(Method::POST, &overriding, Some(&admin),
                  Some(json!({"source_assessment_id": iso, "requirement_id": id(&all_nc), "value": "compliant", "reason": ""})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "reason");
        let (status, overridden) = app
            .call(Method::POST, &overriding, Some(&admin),
                  Some(json!({"source_assessment_id": iso, "requirement_id": id(&all_nc), "value": "partially_compliant", "reason": "Compensating control in place"})))
            .await;
        assert_eq!(status, StatusCode::OK, "{overridden}");
        assert_eq!(overridden["origin"], "overridden_derivation");
        assert_eq!(
            overridden["origin_detail"]["derived_value"],
            "non_compliant"
        );
        assert_eq!(
            overridden["origin_detail"]["reason"],
            "Compensating control in place"
        );
        // A source assessment of another entity cannot be named.
        let (status, b_assessment) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/assessments", app.ids.entity_b),
                Some(&admin),
                Some(json!({"framework_id": "iso27001-2022", "name": "B", "status": "planned"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, refused) = app
            .call(Method::POST, &accept, Some(&admin),
                  Some(json!({"source_assessment_id": b_assessment["id"], "requirement_id": id(&partial)})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "source_assessment_id");

        // The listing shows the origin; the gap view groups by letter with suggestions.
        let (_, listed) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{nis2}/requirements?result=partially_compliant"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(listed["total"], 2, "{listed}");
        let (status, gaps) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/gaps"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        // At least the 17 points Hygeia's review finds ISO does not cover, plus the scenarios
        // without coverage (rejected pair, not applicable source).
        assert!(gaps["counts"]["no_coverage"].as_u64().unwrap() >= 17 + 2);
        assert_eq!(gaps["letters"].as_array().unwrap().len(), 10);
        let first = gaps["letters"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l["gaps"].as_array().unwrap())
            .next()
            .unwrap();
        assert!(
            first["suggestion"]["text"]["fr"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );

        // Scores with the derived view and the trend.
        let (_, scores) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/scores?target=nis2-2024-2690"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(scores["scores"]["framework"], "iso27001-2022");
        assert_eq!(scores["derived"]["framework"], "nis2-2024-2690");
        assert_eq!(scores["derived"]["by_letter"].as_array().unwrap().len(), 10);
        assert_eq!(scores["trend"].as_array().unwrap().len(), 1);
        assert_eq!(scores["trend"][0]["date"], "2026-03-02");
        let (_, per_entity) = app
            .call(
                Method::GET,
                &format!("/api/v1/entities/{}/scores", app.ids.entity_a),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(per_entity.as_array().unwrap().len(), 3, "{per_entity}");

        // Exports, opened back.
        let bytes = app
            .raw(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/exports/gap-analysis?format=csv"),
                &auditor,
                None,
            )
            .await;
        let text = String::from_utf8(bytes).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(&reader.headers().unwrap()[1], "Requirement");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let equal_row = rows
            .iter()
            .find(|r| {
                r[1] == *derived(&after, &id(&equal_nc))["reference"]
                    .as_str()
                    .unwrap()
            })
            .unwrap();
        assert_eq!(&equal_row[3], "non_compliant");
        assert_eq!(&equal_row[5], "equal_source_non_compliant");
        assert!(
            rows.iter()
                .any(|r| &r[3] == "no_coverage" && !r[7].is_empty())
        );
        assert!(
            text.contains("ENISA") && text.contains("CC BY 4.0"),
            "the gap analysis does not credit the crosswalk it used"
        );
        let bytes = app
            .raw(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/exports/soa?format=xlsx&lang=fr"),
                &auditor,
                None,
            )
            .await;
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Déclaration d'applicabilité").unwrap();
        let cell = |r: u32, c: u32| {
            range
                .get_value((r, c))
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        assert_eq!(cell(0, 2), "Applicable");
        let credits = book.worksheet_range("Sources").unwrap();
        let credited: Vec<String> = credits.rows().map(|r| r[0].to_string()).collect();
        assert!(credited.iter().any(|c| c.contains("ISO")), "{credited:?}");
        let na_source = &sources(&not_applicable)[0];
        let na_ref = catalog
            .framework("iso27001-2022")
            .unwrap()
            .requirement(na_source)
            .unwrap()
            .reference
            .clone();
        let row = (1..range.height() as u32)
            .find(|r| cell(*r, 0) == na_ref)
            .unwrap();
        assert_eq!(
            (
                cell(row, 2).as_str(),
                cell(row, 3).as_str(),
                cell(row, 4).as_str()
            ),
            // French values for a French reader.
            ("non", "Hors périmètre", "Non applicable")
        );
        // The same exports on paper: the entity and the rows, the figures, the credits.
        let entity = app.store.entity(&app.ids.entity_a).await.unwrap().name;
        for (path, label, words) in [
            (
                format!("/api/v1/assessments/{iso}/exports/soa?format=pdf&lang=fr"),
                "soa",
                vec![
                    "Déclaration d'applicabilité".to_owned(),
                    "En chiffres".to_owned(),
                    na_ref.clone(),
                    "Hors périmètre".to_owned(),
                ],
            ),
            (
                format!("/api/v1/assessments/{iso}/exports/gap-analysis?format=pdf"),
                "gaps",
                vec![
                    "Gap analysis".to_owned(),
                    "In figures".to_owned(),
                    "no_coverage".to_owned(),
                    "ENISA".to_owned(),
                ],
            ),
        ] {
            let pdf = app.raw(Method::GET, &path, &auditor, None).await;
            assert!(pdf.starts_with(b"%PDF-"), "{label}: not a PDF");
            match super::incidents::pdf_text(&pdf, label) {
                Some(text) => {
                    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    assert!(folded.contains(&entity), "{label}: {folded}");
                    for w in &words {
                        assert!(folded.contains(w.as_str()), "{label}: '{w}' in {folded}");
                    }
                }
                None => println!("skipping the PDF text check: pdftotext is not on PATH"),
            }
        }
        let (status, bad) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/exports/soa?format=docx"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(
            (status, bad["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("format"))
        );
    }
}

#[tokio::test]
async fn bad_results_are_refused_and_change_nothing() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let contributor = app.token(Role::Contributor).to_owned();
        let iso = &app.ids.iso;
        let put = |r: &str| format!("/api/v1/assessments/{iso}/results/{r}");
        let (status, body) = app
            .call(
                Method::PUT,
                &put("a.7.4"),
                Some(&contributor),
                Some(json!({"value": "not_applicable"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "justification");
        let (status, body) = app
            .call(
                Method::PUT,
                &put("a.99.9"),
                Some(&contributor),
                Some(json!({"value": "compliant"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "requirement_id");
        assert!(body["detail"].as_str().unwrap().contains("a.99.9"));
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/assessments/{iso}/results"),
                Some(&contributor),
                Some(
                    json!({"results": [{"requirement_id": "a.5.1", "value": "non_compliant"},
                                          {"requirement_id": "a.5.2", "value": "nearly"}]}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let (status, body) = app
            .call(Method::POST, &format!("/api/v1/assessments/{iso}/results"), Some(&contributor),
                  Some(json!({"results": [{"requirement_id": "a.5.1", "value": "non_compliant"},
                                          {"requirement_id": "a.7.4", "value": "not_applicable", "justification": "  "}]})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["errors"][0]["field"], "justification");
        let (_, rows) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/requirements?result=compliant"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(rows["total"], 1, "A.5.1 is still compliant: {rows}");
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/requirements?art21=z"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("art21"))
        );
        // Out of scope: entity B's assessment answers 404 to a user granted A only.
        let admin = app.token(Role::Administrator).to_owned();
        let (_, b) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/assessments", app.ids.entity_b),
                Some(&admin),
                Some(json!({"framework_id": "iso27001-2022", "name": "B", "status": "planned"})),
            )
            .await;
        let b_id = b["id"].as_str().unwrap();
        for path in [
            format!("/api/v1/assessments/{b_id}"),
            format!("/api/v1/assessments/{b_id}/requirements"),
            format!("/api/v1/assessments/{b_id}/reuse"),
            format!("/api/v1/assessments/{b_id}/exports/soa"),
            format!("/api/v1/entities/{}/controls", app.ids.entity_b),
            format!("/api/v1/entities/{}/evidence", app.ids.entity_b),
        ] {
            let (status, _) = app.call(Method::GET, &path, Some(&contributor), None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/assessments/{b_id}/results/a.5.1"),
                Some(&contributor),
                Some(json!({"value": "compliant"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn evidence_round_trips_with_its_hash_is_flagged_and_respects_the_size_limit() {
    use sha2::Digest;
    for db in testing::all().await {
        let mut app = TestApp::new(db).await;
        // The same store behind a router with a 1 KiB evidence limit.
        app.app = hygeia_web::router(AppState::new(
            app.store.clone(),
            WebConfig {
                secure_cookies: false,
                evidence_max_bytes: 1024,
                ..WebConfig::default()
            },
            CatalogCache::new(hygeia_catalog::Catalog::load_embedded().unwrap(), 0),
        ));
        let contributor = app.token(Role::Contributor).to_owned();
        let a = app.ids.entity_a.clone();
        let list = format!("/api/v1/entities/{a}/evidence");
        let (_, before) = app.call(Method::GET, &list, Some(&contributor), None).await;
        let audit_before = app
            .store
            .list_audit(
                &hygeia_domain::access::EntityScope::All,
                &Default::default(),
                hygeia_store::PageRequest::default(),
            )
            .await
            .unwrap()
            .total;

        let upload = |query: &str, bytes: Vec<u8>| {
            Request::builder()
                .method(Method::POST)
                .uri(format!("/api/v1/entities/{a}/evidence?{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {contributor}"))
                .header(header::CONTENT_TYPE, "application/pdf")
                .body(Body::from(bytes))
                .unwrap()
        };
        let (status, body) = app
            .send(upload("title=Big&file_name=big.pdf", vec![7u8; 4096]))
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("1024"));
        let (_, after) = app.call(Method::GET, &list, Some(&contributor), None).await;
        assert_eq!(before, after, "nothing stored");
        let audit_after = app
            .store
            .list_audit(
                &hygeia_domain::access::EntityScope::All,
                &Default::default(),
                hygeia_store::PageRequest::default(),
            )
            .await
            .unwrap()
            .total;
        assert_eq!(audit_before, audit_after);

        let content: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let (status, file) = app
            .send(upload(
                "title=Pentest%202025&file_name=pentest.pdf&valid_until=2026-02-01",
                content.clone(),
            ))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{file}");
        let sha = hex::encode(sha2::Sha256::digest(&content));
        assert_eq!(file["sha256"], sha.as_str());
        assert_eq!(file["size_bytes"], 1000);
        assert_eq!(file["media_type"], "application/pdf");
        assert_eq!(
            (file["expired"].as_bool(), file["expiry"].as_str()),
            (Some(true), Some("expired"))
        );
        let (status, body) = app
            .send(upload(
                "title=x&file_name=x.pdf&valid_until=01/02/2026",
                b"x".to_vec(),
            ))
            .await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("valid_until"))
        );

        let id = file["id"].as_str().unwrap();
        let download = Request::builder()
            .uri(format!("/api/v1/evidence/{id}/content"))
            .header(header::AUTHORIZATION, format!("Bearer {contributor}"))
            .body(Body::empty())
            .unwrap();
        let mut download = download;
        download
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
        let response = app.app.clone().oneshot(download).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-content-sha256"], sha.as_str());
        assert!(
            response.headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("pentest.pdf")
        );
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(bytes.as_ref(), content.as_slice());
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha);

        let (status, link) = app
            .call(Method::POST, &format!("/api/v1/entities/{a}/evidence-links"), Some(&contributor),
                  Some(json!({"title": "Procédure de sauvegarde", "url": "https://intranet.example/backup", "valid_until": "2026-03-20"})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{link}");
        assert_eq!(
            (link["expiring_soon"].as_bool(), link["expired"].as_bool()),
            (Some(true), Some(false))
        );
        let (_, expired) = app
            .call(
                Method::GET,
                &format!("{list}?expiry=expired"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(expired["total"], 1);
        assert_eq!(expired["items"].as_array().unwrap().len(), 1);
        let (_, soon) = app
            .call(
                Method::GET,
                &format!("{list}?expiry=expiring_soon"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(soon["items"][0]["kind"], "link");
        let (_, paged) = app
            .call(
                Method::GET,
                &format!("{list}?limit=1&offset=1"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(paged["items"].as_array().unwrap().len(), 1);
        assert!(paged["total"].as_i64().unwrap() >= 3, "{paged}");

        // Attached to A.8.22, the file counts in the ISO listing and is reused for NIS2.
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/evidence/{id}/attachments"),
                Some(&contributor),
                Some(json!({"framework_id": "iso27001-2022", "requirement_id": "a.8.22"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/evidence/{id}/attachments"),
                Some(&contributor),
                Some(json!({"framework_id": "iso27001-2022", "requirement_id": "a.77"})),
            )
            .await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("requirement_id"))
        );
        let iso = &app.ids.iso;
        let (_, rows) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/requirements?result=non_compliant"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(rows["items"][0]["requirement_id"], "a.8.22");
        assert_eq!(rows["items"][0]["evidence"]["total"], 1);
        assert_eq!(rows["items"][0]["evidence"]["expired"], 1);
        let (_, reuse) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/reuse"),
                Some(&contributor),
                None,
            )
            .await;
        let reused: BTreeMap<String, Value> =
            serde_json::from_value(reuse["evidence"].clone()).unwrap();
        assert!(
            reused.get("6.8.1").is_some_and(|e| e[0]["id"] == id),
            "{reused:?}"
        );

        // Another entity's evidence stays hidden.
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/evidence-links", app.ids.entity_b),
                Some(&contributor),
                Some(json!({"title": "x", "url": "https://x.example"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
