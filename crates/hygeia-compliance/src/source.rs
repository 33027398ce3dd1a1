//! The source framework's results as the engine reads them: a pair may name a grouping node
//! (a clause, a section), whose result is aggregated from its assessable descendants.

use std::collections::HashMap;

use hygeia_catalog::Framework;
use serde::{Deserialize, Serialize};

use crate::index::descendants;
use crate::result::{ResultValue, SourceResult};

/// How many requirements have each result value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ValueCounts {
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
    pub not_assessed: usize,
}

impl ValueCounts {
    pub fn add(&mut self, value: ResultValue) {
        match value {
            ResultValue::Compliant => self.compliant += 1,
            ResultValue::PartiallyCompliant => self.partially_compliant += 1,
            ResultValue::NonCompliant => self.non_compliant += 1,
            ResultValue::NotApplicable => self.not_applicable += 1,
            ResultValue::NotAssessed => self.not_assessed += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.compliant
            + self.partially_compliant
            + self.non_compliant
            + self.not_applicable
            + self.not_assessed
    }

    /// The result of a group with these member results: compliant only when every applicable
    /// member is assessed compliant; non-compliant when every assessed member is; not
    /// applicable when every member is; not assessed when no applicable member is assessed;
    /// partially compliant otherwise.
    pub fn aggregate(&self) -> ResultValue {
        let applicable = self.total() - self.not_applicable;
        let assessed = self.compliant + self.partially_compliant + self.non_compliant;
        if applicable == 0 {
            if self.not_applicable > 0 {
                ResultValue::NotApplicable
            } else {
                ResultValue::NotAssessed
            }
        } else if assessed == 0 {
            ResultValue::NotAssessed
        } else if self.compliant == applicable {
            ResultValue::Compliant
        } else if self.non_compliant == assessed {
            ResultValue::NonCompliant
        } else {
            ResultValue::PartiallyCompliant
        }
    }
}

/// The result of a grouping node named by a pair, from its assessable descendants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupResult {
    /// Counts of the assessable descendants' results.
    pub members: ValueCounts,
    /// References of the non-compliant members, so a failure inside a group still shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_compliant_members: Vec<String>,
}

/// The results of one assessment of the source framework.
pub(crate) struct SourceResults<'a> {
    framework: &'a Framework,
    values: HashMap<&'a str, ResultValue>,
    groups: HashMap<&'a str, GroupResult>,
}

impl<'a> SourceResults<'a> {
    pub fn new(framework: &'a Framework, results: &'a [SourceResult]) -> Self {
        Self {
            framework,
            values: results
                .iter()
                .map(|r| (r.requirement_id.as_str(), r.value))
                .collect(),
            groups: HashMap::new(),
        }
    }

    /// The result of a node: its own result when it has one; for a node without its own result
    /// but with assessable descendants, their aggregate (with the group details); otherwise not
    /// assessed.
    pub fn value_of(&mut self, node: &'a str) -> (ResultValue, Option<GroupResult>) {
        if let Some(value) = self.values.get(node) {
            return (*value, None);
        }
        if let Some(group) = self.groups.get(node) {
            return (group.members.aggregate(), Some(group.clone()));
        }
        let members: std::collections::HashSet<&str> = descendants(self.framework, node)
            .into_iter()
            .filter(|r| r.assessable)
            .map(|r| r.id.as_str())
            .collect();
        if members.is_empty() {
            return (ResultValue::NotAssessed, None);
        }
        let mut counts = ValueCounts::default();
        let mut non_compliant_members = Vec::new();
        let framework = self.framework;
        let ordered = framework
            .requirements()
            .iter()
            .filter(|r| members.contains(r.id.as_str()));
        for member in ordered {
            let value = self
                .values
                .get(member.id.as_str())
                .copied()
                .unwrap_or_default();
            counts.add(value);
            if value == ResultValue::NonCompliant {
                non_compliant_members.push(member.reference.clone());
            }
        }
        let group = GroupResult {
            members: counts,
            non_compliant_members,
        };
        self.groups.insert(node, group.clone());
        (counts.aggregate(), Some(group))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ResultValue::*;

    fn counts(values: &[ResultValue]) -> ValueCounts {
        let mut c = ValueCounts::default();
        values.iter().for_each(|v| c.add(*v));
        c
    }

    #[test]
    fn group_aggregation_is_conservative() {
        assert_eq!(counts(&[Compliant, Compliant]).aggregate(), Compliant);
        assert_eq!(counts(&[Compliant, NotApplicable]).aggregate(), Compliant);
        assert_eq!(
            counts(&[Compliant, NotAssessed]).aggregate(),
            PartiallyCompliant
        );
        assert_eq!(
            counts(&[Compliant, NonCompliant]).aggregate(),
            PartiallyCompliant
        );
        assert_eq!(
            counts(&[NonCompliant, NotAssessed]).aggregate(),
            NonCompliant
        );
        assert_eq!(counts(&[NotApplicable]).aggregate(), NotApplicable);
        assert_eq!(
            counts(&[NotAssessed, NotApplicable]).aggregate(),
            NotAssessed
        );
        assert_eq!(counts(&[]).aggregate(), NotAssessed);
    }
}
