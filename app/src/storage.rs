//! The browser's localStorage, where the page keeps what should survive a reload (the diagram's
//! layout, the console's history). Without storage (private windows may refuse it) nothing is
//! kept and nothing fails.

pub fn get(key: &str) -> Option<String> {
    leptos::prelude::window().local_storage().ok()??.get_item(key).ok()?
}

pub fn set(key: &str, value: &str) {
    if let Ok(Some(storage)) = leptos::prelude::window().local_storage() {
        let _ = storage.set_item(key, value);
    }
}
