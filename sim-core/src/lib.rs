//! sim-core: a simulated Kubernetes cluster — API server, scheduler, kubelets — on a virtual
//! clock, and the lab shell and kubectl that drive it.
//!
//! Pure and deterministic: no wall clock, no ambient randomness, no OS or browser. The same seed
//! and the same commands give the same cluster, byte for byte.

pub mod api;
pub mod cluster;
pub mod container;
pub mod controllers;
pub mod cron;
pub mod kubectl;
pub mod kubelet;
pub mod machine;
pub mod metrics_server;
pub mod network;
pub mod podutil;
pub mod quantity;
pub mod rng;
pub mod scheduler;
pub mod series;
pub mod shell;
pub mod sim;
pub mod sort;
pub mod storage;
pub mod time;
pub mod traffic;
pub mod view;

pub use sim::Simulation;
