//! The kubelet's image manager: makes sure a container's image is on the node before it starts,
//! pulling through the node's single puller (`serializeImagePulls`), with the image pull
//! back-off and the events and waiting reasons of `images/image_manager.go`.

use super::lifecycle::reference_to;
use super::runtime::{PullAnswerRecord, PullWaitReason, RunState};
use super::{HeldImage, Kubelet};
use crate::api::{ApiServer, EventType};
use crate::kubelet::images::{self, ImageReference, PullAnswer};
use crate::time::{SimTime, go_duration};
use k8s_openapi::api::core::v1::{Container, Pod};
use std::time::Duration;

/// How soon the kubelet notices a failed pull and syncs the pod again (PLEG relists every second).
const RELIST_PERIOD: Duration = Duration::from_secs(1);
/// How often a pod whose last sync failed is synced again (the pod workers' back-off period).
pub(super) const ERROR_RESYNC: Duration = Duration::from_secs(10);
/// Simulated registry bandwidth, in bytes per second.
const REGISTRY_BYTES_PER_SECOND: u64 = 25_000_000;

/// Where a container's image stands after one look.
pub(super) enum ImageProgress {
    /// On the node: the container can be created. The image reference as parsed, and its
    /// canonical name, for the runtime to report.
    Present(ImageReference, String),
    /// Not yet; look again at the instant given, if any (`None`: only a new spec helps).
    Waiting(Option<SimTime>),
}

impl Kubelet {
    /// Moves a not-yet-started container's image along: checks the node's images, starts a
    /// pull, collects a finished one, or waits out the back-off. `state` is the container's
    /// state before the container starts (Creating, Pulling, PullFailed or NeverPull).
    pub(super) fn ensure_image(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        container: &Container,
        state: &mut RunState,
    ) -> ImageProgress {
        let now = api.now();
        let image = container.image.clone().unwrap_or_default();
        let reference = ImageReference::parse(&image);
        let canonical = reference.canonical();
        // Worded only when a failed pull needs its back-off.
        let backoff_key = || format!("{}_{image}", crate::podutil::uid(pod));
        loop {
            let next = match std::mem::take(state) {
                RunState::NeverPull { message } => {
                    *state = RunState::NeverPull { message };
                    return ImageProgress::Waiting(None);
                }
                RunState::Pulling { done_at, requested_at, pull_time, answer } if now < done_at => {
                    *state = RunState::Pulling { done_at, requested_at, pull_time, answer };
                    return ImageProgress::Waiting(Some(done_at));
                }
                RunState::Pulling { requested_at, pull_time, answer, .. } => match answer {
                    PullAnswerRecord::Image { size_bytes, digest } => {
                        self.images.insert(canonical.clone(), HeldImage { size_bytes, digest });
                        self.images_changed = true;
                        let message = format!(
                            "Successfully pulled image \"{image}\" in {} ({} including waiting). Image size: {size_bytes} bytes.",
                            go_duration(pull_time),
                            go_duration(now.since(requested_at)),
                        );
                        self.event(api, pod, container, EventType::Normal, "Pulled", message);
                        return ImageProgress::Present(reference, canonical);
                    }
                    PullAnswerRecord::Error(error) => {
                        let message = format!("Failed to pull image \"{image}\": {error}");
                        self.event(api, pod, container, EventType::Warning, "Failed", message);
                        let message = "Error: ErrImagePull".to_string();
                        self.event(api, pod, container, EventType::Warning, "Failed", message);
                        self.image_pull_backoff.next(&backoff_key(), now);
                        *state = RunState::PullFailed {
                            failed_at: now,
                            shown: PullWaitReason::ErrImagePull,
                            error,
                            next_sync: now + RELIST_PERIOD,
                        };
                        return ImageProgress::Waiting(Some(now + RELIST_PERIOD));
                    }
                },
                RunState::PullFailed { failed_at, error, next_sync, shown } => {
                    let Some(until) =
                        self.image_pull_backoff.in_backoff_until(&backoff_key(), failed_at, now)
                    else {
                        *state = self.begin_pull(api, pod, container, &reference, false);
                        continue;
                    };
                    if now < next_sync {
                        *state = RunState::PullFailed { failed_at, error, next_sync, shown };
                        return ImageProgress::Waiting(Some(next_sync.min(until)));
                    }
                    // Every sync inside the back-off window reports it again (the events aggregate).
                    let message = format!("Back-off pulling image \"{image}\"");
                    self.event(api, pod, container, EventType::Normal, "BackOff", message);
                    let message = "Error: ImagePullBackOff".to_string();
                    self.event(api, pod, container, EventType::Warning, "Failed", message);
                    // The next sync's reports are passed over while the event recorder's
                    // spam filter would drop them.
                    let allowed = api.event_allowed_at(&reference_to(pod), self.source());
                    let mut next_sync = now + ERROR_RESYNC;
                    while next_sync < allowed {
                        next_sync = next_sync + ERROR_RESYNC;
                    }
                    *state = RunState::PullFailed {
                        failed_at,
                        shown: PullWaitReason::ImagePullBackOff,
                        error,
                        next_sync,
                    };
                    return ImageProgress::Waiting(Some(next_sync.min(until)));
                }
                // Not started yet (or starting again): ask whether the image is here.
                _ => {
                    let policy = container.image_pull_policy.as_deref().unwrap_or("IfNotPresent");
                    let present = self.images.contains_key(&canonical);
                    match (policy, present) {
                        ("Never", false) => {
                            let message = format!(
                                "Container image \"{image}\" is not present with pull policy of Never"
                            );
                            let kind = EventType::Warning;
                            self.event(
                                api,
                                pod,
                                container,
                                kind,
                                "ErrImageNeverPull",
                                message.clone(),
                            );
                            RunState::NeverPull { message }
                        }
                        ("Never" | "IfNotPresent", true) => {
                            let message =
                                format!("Container image \"{image}\" already present on machine");
                            self.event(api, pod, container, EventType::Normal, "Pulled", message);
                            return ImageProgress::Present(reference, canonical);
                        }
                        _ => self.begin_pull(api, pod, container, &reference, present),
                    }
                }
            };
            *state = next;
        }
    }

    /// Asks the registry for the image: the Pulling event now, the answer when the node's puller
    /// has finished the pulls queued before this one and this transfer.
    fn begin_pull(
        &mut self,
        api: &mut ApiServer,
        pod: &Pod,
        container: &Container,
        reference: &ImageReference,
        present: bool,
    ) -> RunState {
        let now = api.now();
        let image = container.image.clone().unwrap_or_default();
        let message = format!("Pulling image \"{image}\"");
        self.event(api, pod, container, EventType::Normal, "Pulling", message);
        let answer = match images::pull(reference) {
            PullAnswer::Image { size_bytes, digest } => {
                PullAnswerRecord::Image { size_bytes, digest }
            }
            PullAnswer::Error(message) => PullAnswerRecord::Error(message),
        };
        let pull_ms = match (&answer, present) {
            // `Always` with the image cached: the registry only confirms the digest.
            (PullAnswerRecord::Image { .. }, true) => self.rng.between(250, 900),
            (PullAnswerRecord::Image { size_bytes, .. }, false) => {
                400 + size_bytes * 1000 / REGISTRY_BYTES_PER_SECOND + self.rng.between(0, 600)
            }
            (PullAnswerRecord::Error(_), _) => self.rng.between(400, 1500),
        };
        let pull_time = Duration::from_millis(pull_ms);
        let start = now.max(self.puller_free_at);
        let done_at = start + pull_time;
        self.puller_free_at = done_at;
        RunState::Pulling { requested_at: now, done_at, pull_time, answer }
    }
}
