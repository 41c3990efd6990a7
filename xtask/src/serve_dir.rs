//! A static file server for the built site, mounted under a sub-path (`/lab/`) so the tests
//! prove the site works away from the root of a host.

use std::path::{Path, PathBuf};
use std::thread;

/// Serves `dir` at `http://127.0.0.1:PORT{prefix}` on a background thread; returns the URL.
pub fn start(dir: &Path, prefix: &'static str) -> Result<String, String> {
    let server = tiny_http::Server::http("127.0.0.1:0")
        .map_err(|e| format!("cannot start a web server: {e}"))?;
    let port =
        server.server_addr().to_ip().map(|a| a.port()).ok_or("the web server has no port")?;
    let dir = dir.to_path_buf();
    thread::spawn(move || {
        for request in server.incoming_requests() {
            let response = respond(&dir, prefix, request.url());
            let _ = request.respond(response);
        }
    });
    Ok(format!("http://127.0.0.1:{port}{prefix}"))
}

fn respond(dir: &Path, prefix: &str, url: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let Some(relative) = path.strip_prefix(prefix) else {
        return tiny_http::Response::from_string("not found").with_status_code(404);
    };
    let relative = if relative.is_empty() || relative.ends_with('/') {
        format!("{relative}index.html")
    } else {
        relative.to_string()
    };
    if relative.split('/').any(|part| part == "..") {
        return tiny_http::Response::from_string("forbidden").with_status_code(403);
    }
    let file: PathBuf = dir.join(&relative);
    match std::fs::read(&file) {
        Ok(bytes) => {
            let response = tiny_http::Response::from_data(bytes);
            match tiny_http::Header::from_bytes("Content-Type", content_type(&file)) {
                Ok(header) => response.with_header(header),
                Err(()) => response,
            }
        }
        Err(_) => tiny_http::Response::from_string("not found").with_status_code(404),
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}
