//! The lab shell's background jobs (`COMMAND &`), as bash keeps them: `[1] 4242` when one
//! starts, `jobs` to list them, `kill %1` to end one, and `[1]+  Done …` notices before the
//! next prompt. Only `kubectl port-forward` outlives its start here: it keeps its listeners on
//! the laptop for the lab shell's `curl` until its pod goes away or it is killed.

use crate::Simulation;
use crate::kubectl::Watch;
use crate::network::port_forward::{ForwardedConnection, LocalForward};

#[derive(Clone, Debug, Default)]
pub struct Jobs {
    list: Vec<Job>,
    /// Started jobs, for their made-up process ids.
    started: u32,
    /// What background jobs printed while a command ran, for the terminal.
    output: String,
}

#[derive(Clone, Debug)]
struct Job {
    number: usize,
    command: String,
    /// The running `port-forward`.
    watch: Watch,
}

/// bash's job status column is this wide.
const STATUS_WIDTH: usize = 24;

impl Jobs {
    /// Starts job `[N]`: the number and process id bash announces.
    pub fn announce(&mut self) -> String {
        self.started += 1;
        let pid = 4242 + 17 * self.started;
        format!("[{}] {pid}", self.next_number())
    }

    fn next_number(&self) -> usize {
        self.list.iter().map(|j| j.number).max().unwrap_or(0) + 1
    }

    /// Keeps a command that is still running in the background (a `port-forward`); says what
    /// became of one that is not.
    pub fn keep(&mut self, command: String, watch: Option<Watch>, status: i32) -> String {
        let number = self.next_number();
        match watch {
            Some(watch) if watch.is_port_forward() && !watch.is_finished() => {
                self.list.push(Job { number, command, watch });
                String::new()
            }
            Some(_) => format!(
                "kubelab: only `kubectl port-forward` keeps running in the background; use `timeout 30s {command}` to watch\n{}",
                notice(number, '+', "Done", &command)
            ),
            None if status == 0 => notice(number, '+', "Done", &command),
            None => notice(number, '+', &format!("Exit {status}"), &command),
        }
    }

    /// The laptop's listeners of every running port-forward.
    pub fn forwards(&mut self) -> Vec<LocalForward> {
        self.list
            .iter_mut()
            .filter_map(|j| j.watch.as_port_forward())
            .flat_map(|f| f.listeners().to_vec())
            .collect()
    }

    /// What each port-forward prints for the connections it handled.
    pub fn handle(&mut self, connections: &[ForwardedConnection], now: crate::time::SimTime) {
        for connection in connections {
            for job in &mut self.list {
                if let Some(forward) = job.watch.as_port_forward() {
                    let text = forward.handle(connection, now);
                    self.output.push_str(&text);
                }
            }
        }
    }

    /// What jobs printed since the last call.
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.output)
    }

    /// Before the next prompt: port-forwards whose pods went away end, and bash reports the
    /// jobs that ended.
    pub fn reap(&mut self, sim: &Simulation) -> String {
        let mut text = self.take_output();
        for job in &mut self.list {
            if let Some(forward) = job.watch.as_port_forward() {
                text.push_str(&forward.check(sim.api()));
            }
        }
        let ended: Vec<usize> =
            (0..self.list.len()).filter(|&i| self.list[i].watch.is_finished()).collect();
        for &i in &ended {
            let job = &self.list[i];
            text.push_str(&notice(job.number, self.mark(i), "Exit 1", &job.command));
        }
        for i in ended.into_iter().rev() {
            self.list.remove(i);
        }
        text
    }

    /// `+` for the current job (the newest), `-` for the one before.
    fn mark(&self, index: usize) -> char {
        match self.list.len() - index {
            1 => '+',
            2 => '-',
            _ => ' ',
        }
    }

    /// `jobs`.
    pub fn list(&self) -> String {
        (0..self.list.len())
            .map(|i| {
                let job = &self.list[i];
                notice(job.number, self.mark(i), "Running", &format!("{} &", job.command))
            })
            .collect()
    }

    /// `kill %N` (or `kill %%`, `kill %+`): ends the job; bash reports it as Terminated.
    pub fn kill(&mut self, spec: &str) -> Result<String, String> {
        let index = match spec {
            "%" | "%%" | "%+" => self.list.len().checked_sub(1),
            "%-" => self.list.len().checked_sub(2),
            _ => spec
                .strip_prefix('%')
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| self.list.iter().position(|j| j.number == n)),
        };
        let Some(index) = index else {
            let shown = spec.strip_prefix('%').unwrap_or(spec);
            return Err(format!("kubelab: kill: %{shown}: no such job"));
        };
        let mark = self.mark(index);
        let job = self.list.remove(index);
        Ok(notice(job.number, mark, "Terminated", &job.command))
    }
}

/// bash's job line: `[1]+  Done                    COMMAND`.
fn notice(number: usize, mark: char, status: &str, command: &str) -> String {
    format!("[{number}]{mark}  {status:<STATUS_WIDTH$}{command}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_line_up_as_bash_prints_them() {
        assert_eq!(notice(1, '+', "Done", "sleep 5"), "[1]+  Done                    sleep 5\n");
        assert_eq!(
            notice(2, '-', "Terminated", "kubectl port-forward pod/web 8080:80"),
            "[2]-  Terminated              kubectl port-forward pod/web 8080:80\n"
        );
    }

    #[test]
    fn killing_a_missing_job_is_bash_s_error() {
        let mut jobs = Jobs::default();
        assert_eq!(jobs.kill("%1"), Err("kubelab: kill: %1: no such job".to_string()));
    }
}
