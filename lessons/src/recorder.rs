//! The history recorder: it observes the simulation after each command and as time passes, and
//! keeps, per started step, what history conditions ask about — whether a test ever or always
//! held, a value's lowest and highest, the command lines run — so checks can ask about the past
//! without keeping the past. Deterministic and serializable: it is saved with the lesson.

use crate::check::{Condition, ValueSource, number};
use crate::format::Lesson;
use serde::{Deserialize, Serialize};
use sim_core::Simulation;
use std::collections::BTreeMap;

/// How a history condition combines its observations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// The tests held at some observation.
    Ever,
    /// The tests held at every observation (and there was one).
    Always,
    /// The tests hold for the highest value observed.
    Max,
    /// The tests hold for the lowest value observed.
    Min,
}

/// How many command lines a step remembers: enough for any step, bounded for storage.
const MAX_RAN: usize = 200;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Recorder {
    /// The started steps' records, by step index.
    steps: BTreeMap<usize, StepRecord>,
}

/// What was observed since a step began.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Command lines run, with the prompt they were typed at (`$ `, `root@node01:~# `).
    ran: Vec<(String, String)>,
    /// One per history condition, by the condition's index in the check.
    probes: BTreeMap<usize, Probe>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Probe {
    observations: u64,
    ever: bool,
    always: bool,
    min: Option<f64>,
    max: Option<f64>,
}

impl Default for Probe {
    fn default() -> Self {
        Probe { observations: 0, ever: false, always: true, min: None, max: None }
    }
}

impl Recorder {
    /// From now on, observations count for `step`. A started step keeps its record.
    pub fn start_step(&mut self, step: usize) {
        self.steps.entry(step).or_default();
    }

    pub fn started(&self, step: usize) -> bool {
        self.steps.contains_key(&step)
    }

    pub fn record(&self, step: usize) -> Option<&StepRecord> {
        self.steps.get(&step)
    }

    /// Looks at the cluster for every started step's history conditions.
    pub fn observe(&mut self, lesson: &Lesson, sim: &Simulation) {
        for (&index, record) in &mut self.steps {
            let Some(step) = lesson.steps.get(index) else { continue };
            for (number, condition) in step.check.conditions.iter().enumerate() {
                if condition.history.is_none() || matches!(condition.value, ValueSource::Ran { .. })
                {
                    continue;
                }
                let value = condition.value.read(sim);
                record.probes.entry(number).or_default().observe(condition, value);
            }
        }
    }

    /// A command line was run at `prompt`.
    pub fn ran(&mut self, prompt: &str, line: &str) {
        for record in self.steps.values_mut() {
            if record.ran.len() < MAX_RAN {
                record.ran.push((prompt.to_string(), line.to_string()));
            }
        }
    }
}

impl Probe {
    fn observe(&mut self, condition: &Condition, value: Option<String>) {
        let held = condition.holds_for(&value);
        self.observations += 1;
        self.ever |= held;
        self.always &= held;
        if let Some(n) = value.as_deref().and_then(number) {
            self.min = Some(self.min.map_or(n, |m| m.min(n)));
            self.max = Some(self.max.map_or(n, |m| m.max(n)));
        }
    }
}

impl StepRecord {
    /// Whether the history condition at `index` of the step's check holds.
    pub fn condition_met(&self, index: usize, condition: &Condition) -> bool {
        if let ValueSource::Ran { text, on } = &condition.value {
            let wanted = words(text);
            return self.ran.iter().any(|(prompt, line)| {
                words(line).contains(&wanted)
                    && on.as_ref().is_none_or(|node| prompt.contains(&format!("@{node}:")))
            });
        }
        let Some(probe) = self.probes.get(&index) else { return false };
        let extreme = |value: Option<f64>| condition.holds_for(&value.map(|n| n.to_string()));
        match condition.history {
            Some(Aggregate::Ever) => probe.ever,
            Some(Aggregate::Always) => probe.observations > 0 && probe.always,
            Some(Aggregate::Max) => extreme(probe.max),
            Some(Aggregate::Min) => extreme(probe.min),
            None => false,
        }
    }
}

/// A command line with its spacing normalized, so `kubectl  get` matches `kubectl get`.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::Check;
    use crate::format::Step;
    use sim_core::shell::Shell;

    fn lesson(check: &str) -> Lesson {
        Lesson {
            id: "t".into(),
            title: "t".into(),
            summary: String::new(),
            seed: 1,
            setup: String::new(),
            files: BTreeMap::new(),
            intro: String::new(),
            steps: vec![Step {
                title: "s".into(),
                text: String::new(),
                check: Check::parse(check).unwrap(),
                hint: String::new(),
                solution: String::new(),
            }],
        }
    }

    fn met(recorder: &Recorder, lesson: &Lesson, sim: &Simulation) -> bool {
        lesson.steps[0].check.evaluate(sim, recorder.record(0)).is_ok()
    }

    #[test]
    fn history_conditions_combine_observations_since_the_step_began() {
        let lesson = lesson(
            "- ready-pods: app=web\n  history: max\n  at-least: 1\n\
             - ready-pods: app=web\n  history: min\n  equals: 0\n\
             - pod-status: web\n  history: ever\n  equals: ContainerCreating\n\
             - object: node/node01\n  history: always\n  exists: true",
        );
        let mut sim = Simulation::new(1);
        let mut recorder = Recorder::default();
        assert!(!met(&recorder, &lesson, &sim), "a step not started has no history");
        recorder.start_step(0);
        assert!(!met(&recorder, &lesson, &sim), "nothing observed yet");
        Shell::new().run_script(&mut sim, "kubectl run web --image=nginx --labels=app=web");
        recorder.observe(&lesson, &sim);
        assert!(!met(&recorder, &lesson, &sim), "not ready yet");
        sim.advance(std::time::Duration::from_secs(30));
        recorder.observe(&lesson, &sim);
        assert_eq!(lesson.steps[0].check.evaluate(&sim, recorder.record(0)), Ok(()));
        let saved = serde_json::to_string(&recorder).unwrap();
        assert_eq!(serde_json::from_str::<Recorder>(&saved).unwrap(), recorder);
    }

    #[test]
    fn ran_conditions_match_command_lines_at_a_prompt() {
        let lesson = lesson("- ran: systemctl status kubelet\n  on: node01");
        let sim = Simulation::new(1);
        let mut recorder = Recorder::default();
        recorder.ran("$ ", "systemctl status kubelet");
        recorder.start_step(0);
        recorder.ran("$ ", "systemctl status kubelet");
        assert!(!met(&recorder, &lesson, &sim), "not on node01");
        recorder.ran("root@node01:~# ", "systemctl  status kubelet --no-pager");
        assert!(met(&recorder, &lesson, &sim));
    }
}
