//! Running a lesson: its cluster, setup and workspace, commands through the lab shell with the
//! recorder watching, and `verify`, which runs every step's solution in a fresh simulation and
//! says which steps' checks do not behave (`kubelab lessons check`).

use crate::format::Lesson;
use crate::recorder::Recorder;
use sim_core::Simulation;
use sim_core::shell::{Output, Ran, Shell, is_complete};
use std::time::Duration;

/// How finely time passing in a `sleep` is observed.
const OBSERVE_EVERY: Duration = Duration::from_secs(1);

/// A lesson in progress: its cluster, the shell, and the history of its steps.
pub struct LessonRun {
    pub lesson: Lesson,
    pub sim: Simulation,
    pub shell: Shell,
    pub recorder: Recorder,
}

impl LessonRun {
    /// A fresh cluster with the lesson's setup done and its workspace files in place; the
    /// first step started. Returns the setup's failures too (they are the author's to fix).
    pub fn start(lesson: Lesson) -> (LessonRun, Vec<String>) {
        let (sim, shell, failures) = prepare(&lesson);
        let mut recorder = Recorder::default();
        recorder.start_step(0);
        (LessonRun { lesson, sim, shell, recorder }, failures)
    }

    /// Runs lab shell input as the console would, entry by entry, observing the cluster after
    /// each and every second of a `sleep`.
    pub fn run(&mut self, script: &str) -> Vec<Ran> {
        let mut ran = Vec::new();
        for entry in entries(script) {
            let prompt = self.shell.prompt();
            match self.sleep_of(&entry) {
                Some(total) => {
                    let mut left = total;
                    while !left.is_zero() {
                        let by = left.min(OBSERVE_EVERY);
                        self.sim.advance(by);
                        left -= by;
                        self.recorder.observe(&self.lesson, &self.sim);
                    }
                    ran.push(Ran {
                        first_line: entry.trim().to_string(),
                        prompt,
                        output: Output::default(),
                        status: 0,
                        clear: false,
                    });
                }
                None => {
                    for one in self.shell.run_script(&mut self.sim, &entry) {
                        self.recorder.observe(&self.lesson, &self.sim);
                        ran.push(one);
                    }
                }
            }
            if let Some(last) = ran.last() {
                self.recorder.ran(&last.prompt, &last.first_line);
            }
        }
        ran
    }

    /// A plain `sleep DURATION…` at the lab shell's prompt: its total.
    fn sleep_of(&self, entry: &str) -> Option<Duration> {
        if self.shell.exec.is_some() || self.shell.node.is_some() {
            return None;
        }
        let mut words = entry.split_whitespace();
        if words.next() != Some("sleep") {
            return None;
        }
        let operands: Vec<&str> = words.collect();
        if operands.is_empty() || entry.trim().contains('\n') {
            return None;
        }
        operands.iter().map(|w| sim_core::time::parse_sleep_operand(w)).sum()
    }

    /// The check of `step` now.
    pub fn check(&self, step: usize) -> Result<(), Vec<String>> {
        let check = &self.lesson.steps[step].check;
        check.evaluate(&self.sim, self.recorder.record(step))
    }
}

/// A fresh cluster for the lesson: setup run, workspace in place; the setup's failures.
pub fn prepare(lesson: &Lesson) -> (Simulation, Shell, Vec<String>) {
    let mut sim =
        Simulation::with_cluster(lesson.seed, &sim_core::cluster::ClusterSpec::kubeadm_default());
    let mut shell = Shell { files: lesson.files.clone(), ..Shell::new() };
    let failures = shell
        .run_script(&mut sim, &lesson.setup)
        .into_iter()
        .filter(|ran| ran.status != 0)
        .map(|ran| format!("setup: `{}` failed: {}", ran.first_line, ran.output.combined().trim()))
        .collect();
    (sim, shell, failures)
}

/// The cluster as the reference solutions of `steps` leave it, after the lesson's setup: how
/// the page rebuilds a lesson's cluster from its saved progress (a saved `Simulation` would
/// cost the page its serialization code).
pub fn replay(lesson: &Lesson, steps: impl IntoIterator<Item = usize>) -> (Simulation, Shell) {
    let (mut sim, mut shell, _) = prepare(lesson);
    for step in steps {
        if let Some(step) = lesson.steps.get(step) {
            shell.run_script(&mut sim, &step.solution);
        }
    }
    (sim, shell)
}

/// Splits input into the lab shell's entries: lines up to one that completes an entry (an
/// open here-document continues), as the console and the REPL read them.
pub fn entries(script: &str) -> Vec<String> {
    let mut entries = Vec::new();
    let mut pending = String::new();
    for line in script.lines() {
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(line);
        if is_complete(&pending) {
            if !pending.trim().is_empty() {
                entries.push(std::mem::take(&mut pending));
            }
            pending.clear();
        }
    }
    if !pending.trim().is_empty() {
        entries.push(pending);
    }
    entries
}

/// What `verify` found about one step.
#[derive(Debug)]
pub struct StepReport {
    pub step: usize,
    pub title: String,
    /// Empty when the step behaves: its check failed before its solution and holds after.
    pub problems: Vec<String>,
    /// The solution's `kubelab run` transcript, to show with problems.
    pub transcript: String,
}

/// Runs every step's solution in order in a fresh simulation and checks each step: its check
/// must not hold before the solution (a check that is already met teaches nothing) and must
/// hold after it.
pub fn verify(lesson: Lesson) -> Vec<StepReport> {
    let (mut run, setup_failures) = LessonRun::start(lesson);
    let mut reports = Vec::new();
    for step in 0..run.lesson.steps.len() {
        run.recorder.start_step(step);
        let mut problems = if step == 0 { setup_failures.clone() } else { Vec::new() };
        if run.check(step).is_ok() {
            problems.push("the check already holds before the solution runs".into());
        }
        let solution = run.lesson.steps[step].solution.clone();
        let mut transcript = String::new();
        for ran in run.run(&solution) {
            if !transcript.is_empty() && !transcript.ends_with('\n') {
                transcript.push('\n');
            }
            transcript.push_str(&format!(
                "{}{}\n{}",
                ran.prompt,
                ran.first_line,
                ran.output.combined()
            ));
        }
        if let Err(unmet) = run.check(step) {
            problems.extend(
                unmet.into_iter().map(|what| format!("after the solution, not met: {what}")),
            );
        }
        reports.push(StepReport {
            step,
            title: run.lesson.steps[step].title.clone(),
            problems,
            transcript,
        });
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const LESSON: &str = "---
format: 1
id: t
title: T
summary: S
---
## Run a pod

```check
- pod-status: web
  equals: Running
```

```hint
h
```

```solution
kubectl run web --image=nginx
sleep 30
```

## Lose it

```check
- object: pod/web
  exists: false
- ran: kubectl delete pod web
```

```hint
h
```

```solution
kubectl delete pod web
```
";

    #[test]
    fn verify_runs_solutions_and_reports_steps_that_misbehave() {
        let lesson = Lesson::parse(LESSON, &BTreeMap::new()).unwrap();
        let reports = verify(lesson);
        assert!(reports.iter().all(|r| r.problems.is_empty()), "{reports:#?}");
        assert_eq!(
            reports[0].transcript,
            "$ kubectl run web --image=nginx\npod/web created\n$ sleep 30\n"
        );

        let vacuous = LESSON.replace("equals: Running", "exists: false");
        let reports = verify(Lesson::parse(&vacuous, &BTreeMap::new()).unwrap());
        assert_eq!(
            reports[0].problems,
            [
                "the check already holds before the solution runs",
                "after the solution, not met: the STATUS of pod web does not exist"
            ]
        );
    }

    #[test]
    fn entries_keep_here_documents_whole() {
        let script = "kubectl apply -f - <<EOF\nkind: Pod\nEOF\n\n# note\nsleep 5\n";
        assert_eq!(
            entries(script),
            ["kubectl apply -f - <<EOF\nkind: Pod\nEOF", "# note", "sleep 5"]
        );
    }
}
