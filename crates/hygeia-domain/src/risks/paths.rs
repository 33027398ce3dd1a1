//! How a risk comes about, as EBIOS Risk Manager chains it: the **strategic** path runs from
//! the risk origin through stakeholders of the ecosystem (suppliers, in the order the attacker
//! goes through them) to the business values it targets; the **operational** scenario is the
//! sequence of elementary actions on supporting assets, each in one phase of the attack (know,
//! enter, find, exploit) with its likelihood of success.
//!
//! Hygeia's rule for the chain as a whole: it is as likely as its least likely step — an
//! attacker must succeed at every step. That is a hint beside the risk's own likelihood rating,
//! never a replacement for it.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors, Validator};

/// Most stakeholders on a strategic path.
pub const MAX_STAKEHOLDERS: usize = 10;
/// Most elementary actions in an operational scenario.
pub const MAX_STEPS: usize = 30;
/// Longest description of an action, in characters.
pub const MAX_ACTION_CHARS: usize = 500;
/// The likelihood of success of an action: 1 (unlikely) to 4 (near certain).
pub const SUCCESS_SCALE: (u8, u8) = (1, 4);

/// The phases of an attack in EBIOS RM's operational scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AttackPhase {
    /// Reconnaissance: learning about the target (people, suppliers, exposed services).
    Know,
    /// Getting a foothold (phishing, a supplier's access, an exposed service).
    Enter,
    /// Moving towards what is targeted (lateral movement, privilege escalation).
    Find,
    /// Acting on it (encryption, exfiltration, altered parameters).
    Exploit,
}

impl AttackPhase {
    pub const ALL: [AttackPhase; 4] = [
        AttackPhase::Know,
        AttackPhase::Enter,
        AttackPhase::Find,
        AttackPhase::Exploit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttackPhase::Know => "know",
            AttackPhase::Enter => "enter",
            AttackPhase::Find => "find",
            AttackPhase::Exploit => "exploit",
        }
    }

    pub fn parse(text: &str) -> Option<AttackPhase> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// One elementary action as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepInput {
    /// `know`, `enter`, `find` or `exploit`.
    pub phase: String,
    /// What the attacker does.
    pub action: String,
    /// The inventory asset it acts on (of the risk's entity).
    #[serde(default)]
    pub asset_id: Option<String>,
    /// The supplier it goes through (of the risk's entity).
    #[serde(default)]
    pub supplier_id: Option<String>,
    /// Likelihood of success, 1 (unlikely) to 4 (near certain); unrated when absent.
    #[serde(default)]
    pub success: Option<u8>,
}

/// A risk's attack path as entered: replaced whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PathInput {
    /// The ecosystem stakeholders (suppliers) the attack goes through, in order.
    #[serde(default)]
    pub supplier_ids: Vec<String>,
    /// The operational scenario, in order.
    #[serde(default)]
    pub steps: Vec<StepInput>,
}

/// A checked elementary action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedStep {
    pub phase: AttackPhase,
    pub action: String,
    pub asset_id: Option<String>,
    pub supplier_id: Option<String>,
    pub success: Option<u8>,
}

/// A checked path: ids trimmed, blanks dropped; whether the ids exist in the risk's entity is
/// for the store to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPath {
    pub supplier_ids: Vec<String>,
    pub steps: Vec<CheckedStep>,
}

fn present(id: Option<&str>) -> Option<String> {
    id.map(str::trim)
        .filter(|i| !i.is_empty())
        .map(str::to_owned)
}

/// Checks a path whole: every problem named by its field (`steps[2].phase`), nothing kept
/// when one is found.
pub fn check_path(input: &PathInput) -> Result<CheckedPath, ValidationErrors> {
    let mut v = Validator::new();
    let mut supplier_ids: Vec<String> = Vec::new();
    for (i, id) in input.supplier_ids.iter().enumerate() {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        if supplier_ids.iter().any(|s| s == id) {
            v.duplicate(&format!("supplier_ids[{i}]"), id);
        } else {
            supplier_ids.push(id.to_owned());
        }
    }
    if supplier_ids.len() > MAX_STAKEHOLDERS {
        v.push(FieldError::out_of_range(
            "supplier_ids",
            0,
            MAX_STAKEHOLDERS,
        ));
    }
    if input.steps.len() > MAX_STEPS {
        v.push(FieldError::out_of_range("steps", 0, MAX_STEPS));
    }
    let mut steps = Vec::with_capacity(input.steps.len());
    for (i, step) in input.steps.iter().enumerate() {
        let field = |name: &str| format!("steps[{i}].{name}");
        let phase = AttackPhase::parse(step.phase.trim());
        if phase.is_none() {
            let allowed: Vec<&str> = AttackPhase::ALL.iter().map(|p| p.as_str()).collect();
            v.one_of(&field("phase"), &allowed);
        }
        v.text(&field("action"), &step.action, MAX_ACTION_CHARS);
        if let Some(success) = step.success
            && !(SUCCESS_SCALE.0..=SUCCESS_SCALE.1).contains(&success)
        {
            v.push(FieldError::out_of_range(
                &field("success"),
                SUCCESS_SCALE.0.into(),
                SUCCESS_SCALE.1.into(),
            ));
        }
        if let Some(phase) = phase {
            steps.push(CheckedStep {
                phase,
                action: step.action.trim().to_owned(),
                asset_id: present(step.asset_id.as_deref()),
                supplier_id: present(step.supplier_id.as_deref()),
                success: step.success,
            });
        }
    }
    v.finish()?;
    Ok(CheckedPath {
        supplier_ids,
        steps,
    })
}

/// The likelihood of the chain: its least likely rated step (an attacker must succeed at
/// each); none when no step is rated.
pub fn chain_likelihood(successes: impl IntoIterator<Item = Option<u8>>) -> Option<u8> {
    successes.into_iter().flatten().min()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn step(phase: &str, action: &str, success: Option<u8>) -> StepInput {
        StepInput {
            phase: phase.into(),
            action: action.into(),
            success,
            ..StepInput::default()
        }
    }

    #[test]
    fn a_path_is_checked_whole_with_each_problem_named() {
        let bad = PathInput {
            supplier_ids: vec!["s1".into(), " s1 ".into(), String::new()],
            steps: vec![
                step("enter", "Phishing of a maintenance technician", Some(3)),
                step("pivot", " ", Some(5)),
            ],
        };
        let errors = check_path(&bad).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "supplier_ids[1]",
                "steps[1].phase",
                "steps[1].action",
                "steps[1].success"
            ]
        );
    }

    #[test]
    fn a_good_path_is_trimmed_and_kept_in_order() {
        let path = check_path(&PathInput {
            supplier_ids: vec![" integrator ".into(), String::new()],
            steps: vec![
                StepInput {
                    asset_id: Some(" ".into()),
                    supplier_id: Some("integrator".into()),
                    ..step("enter", " VPN account of the integrator ", Some(2))
                },
                step("exploit", "Recipe parameters changed", None),
            ],
        })
        .unwrap();
        assert_eq!(path.supplier_ids, ["integrator"]);
        assert_eq!(path.steps[0].phase, AttackPhase::Enter);
        assert_eq!(path.steps[0].action, "VPN account of the integrator");
        assert_eq!(path.steps[0].asset_id, None);
        assert_eq!(path.steps[1].phase, AttackPhase::Exploit);
    }

    #[test]
    fn too_long_paths_are_refused() {
        let many = PathInput {
            supplier_ids: (0..=MAX_STAKEHOLDERS).map(|i| format!("s{i}")).collect(),
            steps: (0..=MAX_STEPS).map(|_| step("find", "x", None)).collect(),
        };
        let errors = check_path(&many).unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["supplier_ids", "steps"]);
    }

    #[test]
    fn the_chain_is_as_likely_as_its_least_likely_rated_step() {
        assert_eq!(chain_likelihood([Some(4), None, Some(2), Some(3)]), Some(2));
        assert_eq!(chain_likelihood([None, None]), None);
        assert_eq!(chain_likelihood([]), None);
        assert_eq!(AttackPhase::parse("exploit"), Some(AttackPhase::Exploit));
        assert_eq!(AttackPhase::parse("Exploit"), None);
    }
}
