//! Time controls: play virtual time at 1×, 10× or 100× real time, pause it, step it, or skip
//! to the next moment something happens.

use crate::lab::{Lab, STEP};
use crate::timeline::clock;
use leptos::prelude::*;

const SPEEDS: &[u32] = &[1, 10, 100];

#[component]
pub fn TimeControls() -> impl IntoView {
    let lab = expect_context::<Lab>();
    view! {
        <div class="time-controls" role="toolbar" aria-label="Time controls">
            <span class="clock" title="Cluster time: virtual time since the lab started">
                <span class="clock-label">"cluster time"</span>
                <time class="clock-value">{move || clock(lab.elapsed.get())}</time>
            </span>
            <button
                type="button"
                aria-pressed=move || lab.playing.get().to_string()
                title="Let time run"
                on:click=move |_| lab.playing.set(true)
            >
                <svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
                    <path d="M4 2.5v11l9.5-5.5z" />
                </svg>
                "Play"
            </button>
            <button
                type="button"
                aria-pressed=move || (!lab.playing.get()).to_string()
                title="Stop time"
                on:click=move |_| lab.playing.set(false)
            >
                <svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
                    <path d="M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z" />
                </svg>
                "Pause"
            </button>
            <button
                type="button"
                title="Pause, then advance the cluster by one second"
                on:click=move |_| {
                    lab.playing.set(false);
                    lab.advance(STEP);
                }
            >
                <svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
                    <path d="M2.5 2.5v11l8-5.5zM11 2.5h2.5v11H11z" />
                </svg>
                "Step"
            </button>
            <button
                type="button"
                title="Pause, then let time run until the next change to a pod or the next event"
                on:click=move |_| lab.skip_to_next_event()
            >
                <svg class="icon" viewBox="0 0 16 16" aria-hidden="true">
                    <path d="M1.5 2.5v11l6-5.5zM7.5 2.5v11l6-5.5zM13 2.5h1.5v11H13z" />
                </svg>
                "Next event"
            </button>
            <label class="speed">
                <span>"Speed"</span>
                <select
                    aria-label="Speed"
                    on:change=move |ev| {
                        if let Ok(speed) = event_target_value(&ev).parse() {
                            lab.speed.set(speed);
                        }
                    }
                >
                    {SPEEDS
                        .iter()
                        .map(|&speed| {
                            view! {
                                <option value=speed.to_string() selected=move || lab.speed.get() == speed>
                                    {format!("{speed}×")}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
        </div>
    }
}
