//! The reporting clocks of an incident, computed (no I/O) from the obligation templates of
//! the catalog, the entity's context, the current verdicts, the obligations set aside and the
//! submissions made.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hygeia_catalog::Catalog;
use hygeia_domain::clock::{parse_instant, zone_of_country};
use hygeia_domain::incidents::deadlines::{IncidentTimes, StageClock, stage_clocks};
use hygeia_domain::incidents::obligations::{Applicability, EntityFacts, applicability};
use hygeia_domain::incidents::{Question, Verdict, Verdicts};
use hygeia_domain::nis2::{self, Class};
use serde::Serialize;

use super::{Incident, SetAside, Submission, VerdictRecord};
use crate::{Entity, GroupLink, nis2_profile};

/// What reporting duties depend on about an incident's entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityContext {
    pub name: String,
    pub country: String,
    pub registration_number: Option<String>,
    /// The entity's NIS2 types: main activity first.
    pub entity_types: Vec<String>,
    /// `essential`, `important`, `out_of_scope`, or `unknown` when it cannot be classified.
    pub nis2_class: String,
    /// Where calendar deadlines are counted (from the country of establishment).
    #[serde(serialize_with = "zone_name")]
    pub zone: Tz,
}

fn zone_name<S: serde::Serializer>(zone: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(zone.name())
}

impl EntityContext {
    pub fn of(entity: &Entity, links: &[GroupLink]) -> Self {
        let class = nis2_profile(entity, links).map(|p| nis2::classify(&p).classification);
        let mut entity_types = vec![entity.entity_type.clone()];
        entity_types.extend(entity.other_activities.iter().cloned());
        Self {
            name: entity.name.clone(),
            country: entity.country.clone(),
            registration_number: entity.registration_number.clone(),
            entity_types,
            nis2_class: class.map_or("unknown", Class::code).to_owned(),
            zone: zone_of_country(&entity.country),
        }
    }

    fn facts(&self) -> EntityFacts<'_> {
        EntityFacts {
            country: &self.country,
            entity_types: &self.entity_types,
            nis2_in_scope: matches!(self.nis2_class.as_str(), "essential" | "important"),
        }
    }
}

/// One stage of an obligation and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageView {
    pub key: String,
    pub clock: StageClock,
}

/// An obligation that concerns the incident's entity, and where its stages stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObligationClock {
    pub obligation_id: String,
    pub applicability: Applicability,
    /// Set aside by the entity for this incident, with the reason.
    pub set_aside: Option<SetAside>,
    pub stages: Vec<StageView>,
}

impl ObligationClock {
    /// Its deadlines count: owed or possibly owed, and not set aside.
    pub fn runs(&self) -> bool {
        self.applicability.runs() && self.set_aside.is_none()
    }
}

/// The current verdicts from their history (the latest record per question).
pub fn current_verdicts(history: &[VerdictRecord]) -> Verdicts {
    let mut latest: BTreeMap<Question, (&str, Verdict)> = BTreeMap::new();
    for record in history {
        let (Some(q), Some(v)) = (
            Question::parse(&record.question),
            Verdict::parse(&record.verdict),
        ) else {
            continue;
        };
        let newer = latest
            .get(&q)
            .is_none_or(|(at, _)| record.decided_at.as_str() >= *at);
        if newer {
            latest.insert(q, (&record.decided_at, v));
        }
    }
    let mut verdicts = Verdicts::new();
    for (q, (_, v)) in latest {
        verdicts.set(q, v);
    }
    verdicts
}

/// Every obligation of the catalog that concerns the incident's entity, with its clocks at
/// `now`.
pub fn reporting_clocks(
    catalog: &Catalog,
    entity: &EntityContext,
    incident: &Incident,
    verdict_history: &[VerdictRecord],
    set_aside: &[SetAside],
    submissions: &[Submission],
    now: DateTime<Utc>,
) -> Vec<ObligationClock> {
    let Ok(aware_at) = parse_instant(&incident.aware_at) else {
        return Vec::new();
    };
    let ended_at = incident
        .ended_at
        .as_deref()
        .and_then(|t| parse_instant(t).ok());
    let verdicts = current_verdicts(verdict_history);
    catalog
        .obligations()
        .iter()
        .filter_map(|obligation| {
            let applies = applicability(
                &obligation.applies_to,
                &obligation.trigger,
                entity.facts(),
                &verdicts,
            );
            if applies == Applicability::OutOfScope {
                return None;
            }
            let times = IncidentTimes {
                aware_at,
                ended_at,
                submitted: submissions
                    .iter()
                    .filter(|s| s.obligation_id == obligation.id)
                    .filter_map(|s| {
                        parse_instant(&s.submitted_at)
                            .ok()
                            .map(|at| (s.stage_key.clone(), at))
                    })
                    .collect(),
            };
            let stages = stage_clocks(&obligation.rules(), &times, &entity.zone, now)
                .into_iter()
                .map(|(key, clock)| StageView { key, clock })
                .collect();
            Some(ObligationClock {
                obligation_id: obligation.id.clone(),
                applicability: applies,
                set_aside: set_aside
                    .iter()
                    .find(|s| s.obligation_id == obligation.id)
                    .cloned(),
                stages,
            })
        })
        .collect()
}

/// The earliest deadline of a report still to send among the obligations that run.
pub fn next_due(clocks: &[ObligationClock]) -> Option<DateTime<Utc>> {
    clocks
        .iter()
        .filter(|c| c.runs())
        .flat_map(|c| c.stages.iter().filter_map(|s| s.clock.open_due()))
        .min()
}
