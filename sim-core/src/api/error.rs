//! API errors shaped like `metav1.Status`, and field errors shaped like apimachinery's
//! `field.Error`, so kubectl can print them with the real server's words.

use std::fmt;

/// Why the API server refused a request (`metav1.StatusReason`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// `pods "x" not found`, `deployments.apps "x" not found`: the resource is group-qualified.
    NotFound { resource: String, name: String },
    /// `pods "x" already exists`
    AlreadyExists { resource: String, name: String },
    /// `Deployment.apps "x" is invalid: …`: one or more field errors. kubectl names the kind
    /// without its group: `The Deployment "x" is invalid: …`.
    Invalid { kind: String, group: String, name: String, causes: Vec<FieldError> },
    /// The request could not be decoded (a value of the wrong type, an unknown field).
    BadRequest(String),
    /// Someone else changed the object since the client read it.
    Conflict { resource: String, name: String },
    /// The server refuses the request, with its message (e.g. a namespace being deleted).
    Forbidden(String),
    /// 429: not now, try again (an eviction a PodDisruptionBudget does not allow).
    TooManyRequests(String),
    /// 500, with the server's message.
    InternalError(String),
}

impl ApiError {
    /// The `reason` kubectl puts in parentheses: `Error from server (NotFound): …`.
    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } => "NotFound",
            ApiError::AlreadyExists { .. } => "AlreadyExists",
            ApiError::Invalid { .. } => "Invalid",
            ApiError::BadRequest(_) => "BadRequest",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::Forbidden(_) => "Forbidden",
            ApiError::TooManyRequests(_) => "TooManyRequests",
            ApiError::InternalError(_) => "InternalError",
        }
    }
}

impl fmt::Display for ApiError {
    /// The status message, which is what kubectl prints after its prefix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::NotFound { resource, name } => write!(f, "{resource} \"{name}\" not found"),
            ApiError::AlreadyExists { resource, name } => {
                write!(f, "{resource} \"{name}\" already exists")
            }
            ApiError::Invalid { kind, group, name, causes } => {
                write!(f, "{} \"{name}\" is invalid: ", super::kinds::qualify(kind, group))?;
                match causes.as_slice() {
                    [one] => write!(f, "{one}"),
                    many => {
                        // apimachinery's aggregate: `[a, b]`.
                        let parts: Vec<String> = many.iter().map(ToString::to_string).collect();
                        write!(f, "[{}]", parts.join(", "))
                    }
                }
            }
            ApiError::BadRequest(message)
            | ApiError::Forbidden(message)
            | ApiError::TooManyRequests(message)
            | ApiError::InternalError(message) => f.write_str(message),
            ApiError::Conflict { resource, name } => write!(
                f,
                "Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
            ),
        }
    }
}

/// One invalid field, printed like apimachinery's `field.Error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field path: `spec.containers[0].image`.
    pub field: String,
    pub kind: FieldErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldErrorKind {
    /// A missing field, with an optional explanation (`name or generateName is required`).
    Required {
        detail: String,
    },
    /// The offending value (already rendered, quoted when a string) and why.
    Invalid {
        value: String,
        detail: String,
    },
    /// The offending value and the values that are allowed, each rendered as Go prints it.
    NotSupported {
        value: String,
        supported: Vec<String>,
    },
    Duplicate {
        value: String,
    },
    /// A change or value the server does not allow, and why.
    Forbidden {
        detail: String,
    },
    /// A value larger than allowed, and the limit.
    TooLong {
        detail: String,
    },
    /// A reference to something that does not exist.
    NotFound {
        value: String,
    },
}

impl FieldError {
    fn new(field: impl Into<String>, kind: FieldErrorKind) -> Self {
        FieldError { field: field.into(), kind }
    }

    pub fn required(field: impl Into<String>) -> Self {
        FieldError::new(field, FieldErrorKind::Required { detail: String::new() })
    }

    pub fn required_because(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError::new(field, FieldErrorKind::Required { detail: detail.into() })
    }

    /// An invalid string value (shown quoted) and why.
    pub fn invalid(field: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        FieldError::invalid_raw(field, format!("{value:?}"), detail)
    }

    /// An invalid value shown exactly as given (numbers, Go-formatted structs) and why.
    pub fn invalid_raw(
        field: impl Into<String>,
        value: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError::new(
            field,
            FieldErrorKind::Invalid { value: value.into(), detail: detail.into() },
        )
    }

    pub fn not_supported(field: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        FieldError::not_supported_raw(
            field,
            format!("{value:?}"),
            supported.iter().map(|s| format!("{s:?}")).collect(),
        )
    }

    /// The same with the value and the allowed values already rendered (JSON values of a schema).
    pub fn not_supported_raw(
        field: impl Into<String>,
        value: String,
        supported: Vec<String>,
    ) -> Self {
        FieldError::new(field, FieldErrorKind::NotSupported { value, supported })
    }

    pub fn duplicate(field: impl Into<String>, value: &str) -> Self {
        FieldError::new(field, FieldErrorKind::Duplicate { value: format!("{value:?}") })
    }

    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError::new(field, FieldErrorKind::Forbidden { detail: detail.into() })
    }

    pub fn too_long(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError::new(field, FieldErrorKind::TooLong { detail: detail.into() })
    }

    pub fn not_found(field: impl Into<String>, value: &str) -> Self {
        FieldError::new(field, FieldErrorKind::NotFound { value: format!("{value:?}") })
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match &self.kind {
            FieldErrorKind::Required { detail } if detail.is_empty() => {
                write!(f, "{field}: Required value")
            }
            FieldErrorKind::Required { detail } => write!(f, "{field}: Required value: {detail}"),
            FieldErrorKind::Invalid { value, detail } => {
                write!(f, "{field}: Invalid value: {value}: {detail}")
            }
            FieldErrorKind::NotSupported { value, supported } => write!(
                f,
                "{field}: Unsupported value: {value}: supported values: {}",
                supported.join(", ")
            ),
            FieldErrorKind::Duplicate { value } => write!(f, "{field}: Duplicate value: {value}"),
            FieldErrorKind::Forbidden { detail } => write!(f, "{field}: Forbidden: {detail}"),
            FieldErrorKind::TooLong { detail } => write!(f, "{field}: Too long: {detail}"),
            FieldErrorKind::NotFound { value } => write!(f, "{field}: Not found: {value}"),
        }
    }
}
