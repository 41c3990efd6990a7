//! The lesson pane. Until the lesson engine arrives it introduces the lab and offers first
//! commands, which fill in the console when chosen.

use crate::lab::Lab;
use leptos::prelude::*;

const FIRST_COMMANDS: &[(&str, &str)] = &[
    ("kubectl get nodes", "See the three nodes of the cluster."),
    ("kubectl run web --image=nginx", "Ask for a pod running nginx."),
    (
        "kubectl get pods -o wide",
        "Watch it go from ContainerCreating to Running, and on which node.",
    ),
    ("kubectl get events", "Read what the scheduler and the kubelet did."),
    ("kubectl run broken --image=nginx:9.9", "See what a missing image tag does."),
];

#[component]
pub fn Lesson() -> impl IntoView {
    let lab = expect_context::<Lab>();
    view! {
        <aside class="lesson" role="region" aria-label="Lesson">
            <h1>"Your first pod"</h1>
            <p>
                "This is a Kubernetes cluster simulated in your browser: a control plane node and two workers, "
                "running v1.34. Time here is virtual: play it, pause it, or step it one second at a time."
            </p>
            <ol class="steps">
                {FIRST_COMMANDS
                    .iter()
                    .map(|(command, why)| {
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="command"
                                    title="Put this command in the console"
                                    on:click=move |_| {
                                        lab.input.set(command.to_string());
                                        if let Some(console) = document()
                                            .query_selector("textarea[aria-label='Console']")
                                            .ok()
                                            .flatten()
                                        {
                                            use wasm_bindgen::JsCast;
                                            if let Ok(console) = console.dyn_into::<web_sys::HtmlElement>() {
                                                let _ = console.focus();
                                            }
                                        }
                                    }
                                >
                                    <code>{*command}</code>
                                </button>
                                <span>{*why}</span>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            <p class="note">
                "The lab simulates containers: images come from a built-in catalogue (nginx, busybox, redis, …), "
                "and anything else fails to pull as a registry would refuse it."
            </p>
        </aside>
    }
}
