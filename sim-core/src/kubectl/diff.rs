//! What applying a manifest would change, as `kubectl diff` shows it: for each object, a
//! unified diff (`diff -u -N`) of the live object and the object the API server would keep
//! (a dry run), both as YAML. The temporary folders kubectl diffs are named `LIVE` and
//! `MERGED` here, without timestamps, so the same cluster always gives the same diff.

use super::lint;
use super::print;
use crate::Simulation;
use crate::api::decode;
use serde_json::Value;

/// Lines of unchanged context around each change, as `diff -u`.
const CONTEXT: usize = 3;

/// The diff of every object in `text` against the cluster, or what stops the dry run.
pub fn against_live(sim: &Simulation, namespace: &str, text: &str) -> Result<String, String> {
    let objects = decode::documents(text)
        .map_err(|e| format!("error parsing STDIN: error converting YAML to JSON: {e}"))?;
    let mut out = String::new();
    for object in objects {
        let (live, merged) = lint::dry_run(sim.api(), namespace, "STDIN", object)?;
        let name = file_name(&merged);
        let show = |object: &Option<Value>| {
            object.as_ref().map(|o| print::to_yaml(&without_managed_fields(o))).unwrap_or_default()
        };
        out.push_str(&unified(
            &format!("LIVE/{name}"),
            &format!("MERGED/{name}"),
            &show(&live),
            &show(&Some(merged)),
        ));
    }
    Ok(out)
}

/// `apps.v1.Deployment.default.web`, as kubectl names the files it diffs.
fn file_name(object: &Value) -> String {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default();
    let mut parts = vec![text("/apiVersion").replace('/', "."), text("/kind").to_string()];
    if !text("/metadata/namespace").is_empty() {
        parts.push(text("/metadata/namespace").to_string());
    }
    parts.push(text("/metadata/name").to_string());
    parts.join(".")
}

/// kubectl diff leaves managedFields out of both sides.
fn without_managed_fields(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.remove("managedFields");
    }
    object
}

/// One line of an edit script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Edit {
    Same(usize, usize),
    Removed(usize),
    Added(usize),
}

/// The shortest edit script from `old` to `new` (longest common subsequence; manifests are a
/// few hundred lines, so the quadratic table is small).
fn edits(old: &[&str], new: &[&str]) -> Vec<Edit> {
    let (n, m) = (old.len(), new.len());
    let mut common = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut script = Vec::new();
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            script.push(Edit::Same(i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || common[i + 1][j] >= common[i][j + 1]) {
            // Removals first, as diff writes a changed line.
            script.push(Edit::Removed(i));
            i += 1;
        } else {
            script.push(Edit::Added(j));
            j += 1;
        }
    }
    script
}

/// `diff -u -N OLD NEW` of two texts: empty when they are equal.
pub fn unified(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let script = edits(&old_lines, &new_lines);
    let changed: Vec<usize> = script
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e, Edit::Same(..)))
        .map(|(at, _)| at)
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let mut out = format!("diff -u -N {old_name} {new_name}\n--- {old_name}\n+++ {new_name}\n");
    // Changes closer than twice the context share a hunk.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for at in changed {
        let start = at.saturating_sub(CONTEXT);
        let end = (at + CONTEXT + 1).min(script.len());
        match hunks.last_mut() {
            Some((_, last_end)) if start <= *last_end => *last_end = end,
            _ => hunks.push((start, end)),
        }
    }
    for (start, end) in hunks {
        let edits = &script[start..end];
        // Where the hunk starts in each file: the first line it holds of it (or, when it holds
        // none, the line before, as diff counts an empty range).
        let old_start = script[..start].iter().filter(|e| !matches!(e, Edit::Added(_))).count();
        let new_start = script[..start].iter().filter(|e| !matches!(e, Edit::Removed(_))).count();
        let old_count = edits.iter().filter(|e| !matches!(e, Edit::Added(_))).count();
        let new_count = edits.iter().filter(|e| !matches!(e, Edit::Removed(_))).count();
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_count),
            range(new_start, new_count)
        ));
        for edit in edits {
            match *edit {
                Edit::Same(i, _) => out.push_str(&format!(" {}\n", old_lines[i])),
                Edit::Removed(i) => out.push_str(&format!("-{}\n", old_lines[i])),
                Edit::Added(j) => out.push_str(&format!("+{}\n", new_lines[j])),
            }
        }
    }
    out
}

/// A hunk's range as diff writes it: `3,7`, `3` for one line, `2,0` for none after line 2.
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        _ => format!("{},{count}", start + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a", "b", "x\ny\n", "x\ny\n"), "");
    }

    #[test]
    fn a_changed_line_shows_with_three_lines_of_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified("LIVE/x", "MERGED/x", old, new),
            "diff -u -N LIVE/x MERGED/x\n--- LIVE/x\n+++ MERGED/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn distant_changes_get_their_own_hunks_and_new_files_start_at_zero() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let new = old.replace("2\n", "two\n").replace("19\n", "nineteen\n");
        let diff = unified("a", "b", &old, &new);
        assert_eq!(diff.matches("@@ -").count(), 2, "{diff}");
        assert!(diff.contains("@@ -1,5 +1,5 @@\n 1\n-2\n+two\n"), "{diff}");
        assert_eq!(unified("a", "b", "", "x\ny\n").lines().nth(3), Some("@@ -0,0 +1,2 @@"));
    }

    #[test]
    fn the_diff_against_the_cluster_shows_what_apply_would_change() {
        let mut sim = Simulation::new(1);
        let mut shell = crate::shell::Shell::new();
        shell.run_script(&mut sim, "kubectl create deployment web --image=nginx --replicas=1");
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: nginx\n        image: nginx\n";
        let diff = against_live(&sim, "default", text).expect("a dry run");
        assert!(diff.starts_with("diff -u -N LIVE/apps.v1.Deployment.default.web MERGED/apps.v1.Deployment.default.web\n"), "{diff}");
        assert!(diff.contains("\n-  replicas: 1\n+  replicas: 3\n"), "{diff}");
        assert!(diff.contains("+    kubectl.kubernetes.io/last-applied-configuration"), "{diff}");
        let new_pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: new\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
        let diff = against_live(&sim, "default", new_pod).expect("a dry run");
        assert!(diff.contains("@@ -0,0 +1,"), "{diff}");
        assert!(diff.lines().skip(4).all(|l| l.starts_with('+')), "{diff}");
    }
}
