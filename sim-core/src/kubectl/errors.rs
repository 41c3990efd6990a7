//! How kubectl prints an error returned by the API server.

use crate::api::ApiError;

/// `Error from server (NotFound): pods "x" not found`, or for validation errors
/// `The Pod "x" is invalid: spec.containers[0].image: Required value`.
pub fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Invalid { kind, name, causes } => {
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
