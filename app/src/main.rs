//! The kubelab page: a Leptos client-side app that shows and drives a simulated cluster.

mod charts;
mod console;
mod controls;
mod diagram;
mod editor;
mod files;
mod inspector;
mod journal;
mod lab;
mod layout;
mod lesson;
mod storage;
mod timeline;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(lab::App);
}
