//! How kubectl prints an error returned by the API server.

use crate::api::ApiError;

/// `Error from server (NotFound): pods "x" not found`, or for validation errors
/// `The Pod "x" is invalid: spec.containers[0].image: Required value`.
pub fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Invalid { kind, name, causes, .. } => {
            let mut text = format!("The {kind} \"{name}\" is invalid: ");
            match causes.as_slice() {
                [one] => text.push_str(&one.to_string()),
                many => {
                    for cause in many {
                        text.push_str(&format!("\n* {cause}"));
                    }
                }
            }
            text
        }
        other => format!("Error from server ({}): {other}", other.reason()),
    }
}

/// The same for a request made on behalf of a manifest: `Error from server (AlreadyExists):
/// error when creating "pod.yaml": pods "web" already exists`.
pub fn describe_for(error: &ApiError, doing: &str, source: &str) -> String {
    match error {
        ApiError::Invalid { .. } => describe(error),
        other => format!(
            "Error from server ({}): error when {doing} \"{source}\": {other}",
            other.reason()
        ),
    }
}

/// A manifest the kind's decoder refused, as the server words it.
pub fn undecodable(kind: &str, api_version: &str, problem: &str) -> ApiError {
    let version = api_version.rsplit('/').next().unwrap_or(api_version);
    ApiError::BadRequest(format!(
        "{kind} in version \"{version}\" cannot be handled as a {kind}: {problem}"
    ))
}
