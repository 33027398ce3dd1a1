//! Demo suppliers of the plant, kept as data (`demo/suppliers.json`): an OT integrator with
//! remote maintenance access to the filling line, a LIMS provider holding batch records
//! whose full questionnaire waits for review, a carrier never reviewed, a maker of laboratory
//! analysers with its MDS2 disclosure; and the attack path of the demo risk that goes through
//! the integrator. Dates are days from the day the demo starts.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::Duration;
use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::paths::{PathInput, StepInput};
use hygeia_domain::suppliers::certifications::CertificationInput;
use hygeia_domain::suppliers::contracts::{ClauseInput, ContractInput};
use hygeia_domain::suppliers::mds2::{SheetRow, read_form};
use hygeia_domain::suppliers::portal::SendInput;
use hygeia_domain::suppliers::questionnaire::{AnswerInput, AnswerKind};
use hygeia_domain::suppliers::register::SupplierInput;
use hygeia_store::monitoring::AssetFilter;
use hygeia_store::risks::RiskFilter;
use hygeia_store::suppliers::SupplierLinks;
use hygeia_store::{Actor, PageRequest, Store};
use serde::Deserialize;

const SUPPLIERS: &str = include_str!("../demo/suppliers.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSuppliers {
    #[serde(rename = "about")]
    _about: String,
    suppliers: Vec<DemoSupplier>,
    attack_paths: Vec<DemoPath>,
}

/// A maker's MDS2 form, as rows of (id, question, answer, note).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoDisclosure {
    file_name: String,
    rows: Vec<Vec<String>>,
}

/// A demo risk's attack path, by names: the risk's title, suppliers, assets.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPath {
    risk: String,
    suppliers: Vec<String>,
    steps: Vec<DemoStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoStep {
    phase: String,
    action: String,
    #[serde(default)]
    asset: Option<String>,
    #[serde(default)]
    supplier: Option<String>,
    success: Option<u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSupplier {
    supplier: SupplierInput,
    #[serde(default)]
    last_review_in_days: Option<i64>,
    /// Names of demo processes and inventory assets.
    processes: Vec<String>,
    assets: Vec<String>,
    certifications: Vec<DemoCertification>,
    #[serde(default)]
    contract: Option<DemoContract>,
    #[serde(default)]
    questionnaire: Option<SendInput>,
    #[serde(default)]
    disclosure: Option<DemoDisclosure>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoCertification {
    certification: CertificationInput,
    valid_in_days: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoContract {
    contract: ContractInput,
    clauses: Vec<DemoClause>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoClause {
    kind: String,
    clause: ClauseInput,
}

/// Adds the demo suppliers to the plant's register.
pub async fn seed(store: &Store, actor: &Actor, plant_entity: &str) -> anyhow::Result<()> {
    let demo: DemoSuppliers =
        serde_json::from_str(SUPPLIERS).context("the demo suppliers are not valid")?;
    let scope = EntityScope::All;
    let today = store.clock().now().date_naive();
    let day = |days: i64| {
        (today + Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    };
    let filter = AssetFilter {
        entity_id: Some(plant_entity.to_owned()),
        ..AssetFilter::default()
    };
    let assets: BTreeMap<String, String> = store
        .list_assets(&scope, &filter, PageRequest::new(Some(200), None))
        .await?
        .items
        .into_iter()
        .flat_map(|a| {
            let id = a.id.clone();
            a.names.into_iter().map(move |n| (n, id.clone()))
        })
        .collect();
    let processes: BTreeMap<String, String> = store
        .list_processes(&scope, Some(plant_entity))
        .await?
        .into_iter()
        .map(|p| (p.name, p.id))
        .collect();
    let find = |names: &[String], known: &BTreeMap<String, String>, what: &str| {
        names
            .iter()
            .map(|name| {
                known
                    .get(name)
                    .cloned()
                    .with_context(|| format!("demo supplier: no demo {what} named '{name}'"))
            })
            .collect::<anyhow::Result<Vec<String>>>()
    };
    let mut suppliers: BTreeMap<String, String> = BTreeMap::new();
    for entry in demo.suppliers {
        let mut input = entry.supplier;
        input.last_review_on = entry.last_review_in_days.map(day);
        let supplier = store
            .create_supplier(actor, &scope, plant_entity, &input)
            .await
            .with_context(|| format!("demo supplier '{}'", input.name))?;
        let links = SupplierLinks {
            process_ids: find(&entry.processes, &processes, "process")?,
            site_ids: Vec::new(),
            asset_ids: find(&entry.assets, &assets, "asset")?,
        };
        store
            .set_supplier_links(actor, &scope, &supplier.id, &links)
            .await?;
        for c in entry.certifications {
            let mut certification = c.certification;
            certification.valid_until = day(c.valid_in_days);
            certification.valid_from = Some(day(c.valid_in_days - 3 * 365));
            store
                .add_certification(actor, &scope, &supplier.id, &certification)
                .await?;
        }
        if let Some(contract) = entry.contract {
            let added = store
                .add_contract(actor, &scope, &supplier.id, &contract.contract)
                .await?;
            for clause in contract.clauses {
                store
                    .set_contract_clause(
                        actor,
                        &scope,
                        (&supplier.id, &added.id),
                        &clause.kind,
                        &clause.clause,
                    )
                    .await
                    .with_context(|| format!("demo clause '{}'", clause.kind))?;
            }
        }
        if let Some(send) = entry.questionnaire {
            answered_questionnaire(store, actor, &supplier.id, &send).await?;
        }
        if let Some(disclosure) = entry.disclosure {
            let rows: Vec<SheetRow<'_>> = disclosure
                .rows
                .iter()
                .zip(2..)
                .map(|(cells, line)| ("MDS2", line, cells.as_slice()))
                .collect();
            let form = read_form(&rows).context("the demo MDS2 form")?;
            store
                .import_device_disclosure(actor, &scope, &supplier.id, &disclosure.file_name, &form)
                .await?;
        }
        suppliers.insert(supplier.name, supplier.id);
    }
    let risks: BTreeMap<String, String> = store
        .list_risks(
            &scope,
            &RiskFilter {
                entity_id: Some(plant_entity.to_owned()),
                ..RiskFilter::default()
            },
            PageRequest::new(Some(200), None),
        )
        .await?
        .items
        .into_iter()
        .map(|r| (r.title, r.id))
        .collect();
    for path in demo.attack_paths {
        let one = |name: &Option<String>, known: &BTreeMap<String, String>, what: &str| {
            name.as_ref()
                .map(|n| find(std::slice::from_ref(n), known, what).map(|mut ids| ids.remove(0)))
                .transpose()
        };
        let mut steps = Vec::new();
        for step in &path.steps {
            steps.push(StepInput {
                phase: step.phase.clone(),
                action: step.action.clone(),
                asset_id: one(&step.asset, &assets, "asset")?,
                supplier_id: one(&step.supplier, &suppliers, "supplier")?,
                success: step.success,
            });
        }
        let input = PathInput {
            supplier_ids: find(&path.suppliers, &suppliers, "supplier")?,
            steps,
        };
        let risk = risks
            .get(&path.risk)
            .with_context(|| format!("demo attack path: no demo risk titled '{}'", path.risk))?;
        store
            .set_risk_path(actor, &scope, risk, &input)
            .await
            .with_context(|| format!("the attack path of '{}'", path.risk))?;
    }
    Ok(())
}

/// Sends a questionnaire whose link nobody gets (a random token, dropped) and answers it as
/// the supplier would, so that a review waits.
async fn answered_questionnaire(
    store: &Store,
    actor: &Actor,
    supplier_id: &str,
    send: &SendInput,
) -> anyhow::Result<()> {
    let templates = hygeia_catalog::suppliers::shipped_questionnaires()?;
    let template = templates
        .iter()
        .find(|t| t.id == send.template_id)
        .with_context(|| format!("demo questionnaire: no template '{}'", send.template_id))?;
    let token_hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(rand::random::<[u8; 32]>()))
    };
    store
        .send_questionnaire(
            actor,
            &EntityScope::All,
            supplier_id,
            Some(template),
            send,
            &token_hash,
        )
        .await?;
    let answers: Vec<AnswerInput> = template
        .questions()
        .enumerate()
        .map(|(i, q)| AnswerInput {
            question_id: q.id.clone(),
            answer: match q.kind {
                AnswerKind::YesNo if i % 5 == 3 => "partly".to_owned(),
                AnswerKind::YesNo => "yes".to_owned(),
                AnswerKind::Text => {
                    "See the attached security annex and our ISO/IEC 27001 certificate.".to_owned()
                }
            },
            comment: String::new(),
        })
        .collect();
    store
        .portal_save(&token_hash, "demo", &answers, true)
        .await?
        .map_err(|refusal| anyhow::anyhow!("demo questionnaire refused: {}", refusal.as_str()))?;
    Ok(())
}
