//! `kubectl edit` in an interactive shell: the object opens in an editor session, and saving
//! the edited text updates the object, reopens it with the server's reasons, or cancels.

use k8s_openapi::api::core::v1::Pod;
use sim_core::Simulation;
use sim_core::kubectl::Saved;
use sim_core::shell::Shell;

fn lab() -> (Simulation, Shell) {
    let mut sim = Simulation::new(1);
    let mut shell = Shell { interactive: true, ..Shell::new() };
    shell.run_script(&mut sim, "kubectl run web --image=nginx:1.27\nsleep 10");
    (sim, shell)
}

fn image(sim: &Simulation) -> String {
    let pod = sim.api().get::<Pod>("default", "web").expect("the pod exists");
    pod.spec.as_ref().and_then(|s| s.containers[0].image.clone()).unwrap_or_default()
}

fn combined(saved: Saved) -> String {
    match saved {
        Saved::Done(output) => output.combined(),
        Saved::Reopened => "(reopened)".to_string(),
    }
}

#[test]
fn an_edited_image_is_saved() {
    let (mut sim, mut shell) = lab();
    shell.run_script(&mut sim, "kubectl edit pod/web");
    let mut session = shell.edit.take().expect("the editor opens");
    assert!(session.text().starts_with("# Please edit the object below."));
    assert!(session.text().contains("image: nginx:1.27"));
    let edited = session.text().replace("image: nginx:1.27", "image: nginx:1.28");
    assert_eq!(combined(session.save(&mut sim, &edited)), "pod/web edited\n");
    assert_eq!(image(&sim), "nginx:1.28");
}

#[test]
fn a_refused_edit_reopens_with_the_reasons_then_cancels() {
    let (mut sim, mut shell) = lab();
    shell.run_script(&mut sim, "kubectl edit pod web");
    let mut session = shell.edit.take().expect("the editor opens");
    let edited = session.text().replace("\n    name: web\n", "\n    name: renamed\n");
    assert_eq!(combined(session.save(&mut sim, &edited)), "(reopened)");
    assert!(session.text().contains(
        "# pods \"web\" was not valid:\n# * spec: Forbidden: pod updates may not change fields"
    ));
    assert!(session.text().contains("    name: renamed"), "the user's text is kept");
    assert_eq!(
        session.cancel().combined(),
        "error: Edit cancelled, no valid changes were saved.\n"
    );
    assert_eq!(image(&sim), "nginx:1.27");
}

#[test]
fn unchanged_or_emptied_text_changes_nothing() {
    let (mut sim, mut shell) = lab();
    shell.run_script(&mut sim, "kubectl edit pod web");
    let mut session = shell.edit.take().expect("the editor opens");
    let same = session.text().to_string();
    assert_eq!(combined(session.save(&mut sim, &same)), "Edit cancelled, no changes made.\n");
    assert_eq!(
        combined(session.save(&mut sim, "# nothing\n")),
        "Edit cancelled, no changes made.\n"
    );
    let broken = same.replace("kind: Pod", "kind: Pod\n  oops: [");
    assert_eq!(combined(session.save(&mut sim, &broken)), "(reopened)");
    assert!(session.text().contains("# error converting YAML to JSON: yaml: line"));
}

#[test]
fn a_script_has_no_editor() {
    let mut sim = Simulation::new(1);
    let out =
        Shell::new().transcript(&mut sim, "kubectl run web --image=nginx\nkubectl edit pod web");
    assert!(
        out.contains("error: kubectl edit opens the page's YAML editor, and a script has none.")
    );
}
