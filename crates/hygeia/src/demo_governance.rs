//! Demo governance of the plant, kept as data (`demo/governance.json`): the management body
//! (one member who has left), two approvals of the security plan, training records (one to
//! renew), and three policies — in force and partly acknowledged, in force and due for review,
//! and a draft. Dates are days from the day the demo starts.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use hygeia_domain::access::EntityScope;
use hygeia_domain::governance::approvals::ApprovalInput;
use hygeia_domain::governance::members::MemberInput;
use hygeia_domain::governance::policies::{DraftInput, PolicyInput, PublishInput};
use hygeia_domain::governance::training::TrainingInput;
use hygeia_store::{Actor, Store};
use serde::Deserialize;

const GOVERNANCE: &str = include_str!("../demo/governance.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoGovernance {
    #[serde(rename = "about")]
    _about: String,
    members: Vec<DemoMember>,
    measures_approvals: Vec<DemoApproval>,
    training: Vec<DemoTraining>,
    policies: Vec<DemoPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoMember {
    name: String,
    title: String,
    email: String,
    appointed: i64,
    #[serde(default)]
    left: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoApproval {
    version: String,
    days: i64,
    signatory: String,
    reference: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTraining {
    #[serde(default)]
    member: Option<String>,
    #[serde(default)]
    person: Option<String>,
    course: String,
    provider: String,
    completed: i64,
    #[serde(default)]
    valid_for: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoPolicy {
    title: String,
    owner: String,
    audience: Vec<String>,
    review_months: u32,
    versions: Vec<String>,
    #[serde(default)]
    approved_by: Option<String>,
    #[serde(default)]
    approved_days: Option<i64>,
    published: bool,
    acknowledged_by: Vec<String>,
}

pub async fn seed(store: &Store, actor: &Actor, plant_entity: &str) -> anyhow::Result<()> {
    let demo: DemoGovernance =
        serde_json::from_str(GOVERNANCE).context("the demo governance is not valid")?;
    let scope = EntityScope::All;
    let today = store.clock().now().date_naive();
    let day = |days: i64| text(today + Duration::days(days));
    let mut members = BTreeMap::new();
    for m in &demo.members {
        let input = MemberInput {
            name: m.name.clone(),
            title: m.title.clone(),
            email: m.email.clone(),
            user_id: None,
            appointed_on: day(m.appointed),
            left_on: m.left.map(day),
        };
        let member = store
            .add_board_member(actor, &scope, plant_entity, &input)
            .await
            .with_context(|| format!("demo member {}", m.name))?;
        members.insert(m.name.clone(), member.id);
    }
    let member = |name: &str| {
        members
            .get(name)
            .cloned()
            .with_context(|| format!("no demo member {name}"))
    };
    for a in &demo.measures_approvals {
        let input = ApprovalInput {
            subject: "measures".into(),
            version: a.version.clone(),
            approved_on: day(a.days),
            member_id: member(&a.signatory)?,
            reference: a.reference.clone(),
            ..ApprovalInput::default()
        };
        store
            .record_approval(actor, &scope, plant_entity, &input)
            .await
            .with_context(|| format!("demo approval {}", a.version))?;
    }
    for t in &demo.training {
        let input = TrainingInput {
            person_name: t.person.clone().unwrap_or_default(),
            member_id: t.member.as_deref().map(member).transpose()?,
            course: t.course.clone(),
            provider: t.provider.clone(),
            completed_on: day(t.completed),
            valid_until: t.valid_for.map(|v| day(t.completed + v)),
            ..TrainingInput::default()
        };
        store
            .add_training(actor, &scope, plant_entity, &input)
            .await
            .with_context(|| format!("demo training {}", t.course))?;
    }
    for p in &demo.policies {
        seed_policy(store, actor, plant_entity, p, &member).await?;
    }
    Ok(())
}

fn text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

async fn seed_policy(
    store: &Store,
    actor: &Actor,
    plant_entity: &str,
    p: &DemoPolicy,
    member: &impl Fn(&str) -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    let scope = EntityScope::All;
    let today = store.clock().now().date_naive();
    let input = PolicyInput {
        title: p.title.clone(),
        owner: p.owner.clone(),
        audience_roles: p.audience.clone(),
        review_months: Some(p.review_months),
    };
    let context = || format!("demo policy {}", p.title);
    let mut versions = p.versions.iter();
    let first = DraftInput {
        summary: versions.next().cloned().unwrap_or_default(),
        evidence_id: None,
    };
    let policy = store
        .create_policy(actor, &scope, plant_entity, &input, &first)
        .await
        .with_context(context)?;
    let id = policy.summary.id;
    if let (Some(signatory), Some(days)) = (&p.approved_by, p.approved_days) {
        let approved_on = text(today + Duration::days(days));
        let approval = ApprovalInput {
            subject: "policy".into(),
            policy_id: Some(id.clone()),
            approved_on: approved_on.clone(),
            member_id: member(signatory)?,
            ..ApprovalInput::default()
        };
        store
            .record_approval(actor, &scope, plant_entity, &approval)
            .await
            .with_context(context)?;
        if p.published {
            let publication = PublishInput {
                published_on: Some(approved_on),
            };
            store
                .publish_policy(actor, &scope, &id, &publication)
                .await
                .with_context(context)?;
        }
    }
    // Later versions are revisions still in draft.
    for summary in versions {
        let draft = DraftInput {
            summary: summary.clone(),
            evidence_id: None,
        };
        store
            .draft_policy(actor, &scope, &id, &draft)
            .await
            .with_context(context)?;
    }
    for email in &p.acknowledged_by {
        let (user, _) = store
            .user_by_email(email)
            .await?
            .with_context(|| format!("no demo user {email}"))?;
        let reader = Actor {
            user_id: Some(user.id.clone()),
            label: email.clone(),
            source: "demo".into(),
            request_id: None,
        };
        store
            .acknowledge_policy(&reader, &scope, &id)
            .await
            .with_context(context)?;
    }
    Ok(())
}
