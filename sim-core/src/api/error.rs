//! API errors shaped like `metav1.Status`, and field errors shaped like apimachinery's
//! `field.Error`, so kubectl can print them with the real server's words.

use std::fmt;

/// Why the API server refused a request (`metav1.StatusReason`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// `pods "x" not found`
    NotFound {
        resource: &'static str,
        name: String,
    },
    /// `pods "x" already exists`
    AlreadyExists {
        resource: &'static str,
        name: String,
    },
    /// `The Pod "x" is invalid: …`: one or more field errors.
    Invalid {
        kind: &'static str,
        name: String,
        causes: Vec<FieldError>,
    },
}

impl ApiError {
    /// The `reason` kubectl puts in parentheses: `Error from server (NotFound): …`.
    pub fn reason(&self) -> &'static str {
        match self {
            ApiError::NotFound { .. } => "NotFound",
            ApiError::AlreadyExists { .. } => "AlreadyExists",
            ApiError::Invalid { .. } => "Invalid",
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
            ApiError::Invalid { kind, name, causes } => {
                write!(f, "{kind} \"{name}\" is invalid: ")?;
                match causes.as_slice() {
                    [one] => write!(f, "{one}"),
                    many => {
                        // apimachinery's aggregate: `[a, b]`.
                        let parts: Vec<String> = many.iter().map(ToString::to_string).collect();
                        write!(f, "[{}]", parts.join(", "))
                    }
                }
            }
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
    /// The offending value and the values that are allowed.
    NotSupported {
        value: String,
        supported: Vec<&'static str>,
    },
    Duplicate {
        value: String,
    },
}

impl FieldError {
    pub fn required(field: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Required {
                detail: String::new(),
            },
        }
    }

    pub fn required_because(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Required {
                detail: detail.into(),
            },
        }
    }

    pub fn invalid(field: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Invalid {
                value: format!("{value:?}"),
                detail: detail.into(),
            },
        }
    }

    pub fn not_supported(
        field: impl Into<String>,
        value: &str,
        supported: &[&'static str],
    ) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::NotSupported {
                value: format!("{value:?}"),
                supported: supported.to_vec(),
            },
        }
    }

    pub fn duplicate(field: impl Into<String>, value: &str) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Duplicate {
                value: format!("{value:?}"),
            },
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FieldErrorKind::Required { detail } if detail.is_empty() => {
                write!(f, "{}: Required value", self.field)
            }
            FieldErrorKind::Required { detail } => {
                write!(f, "{}: Required value: {detail}", self.field)
            }
            FieldErrorKind::Invalid { value, detail } => {
                write!(f, "{}: Invalid value: {value}: {detail}", self.field)
            }
            FieldErrorKind::NotSupported { value, supported } => {
                let quoted: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
                write!(
                    f,
                    "{}: Unsupported value: {value}: supported values: {}",
                    self.field,
                    quoted.join(", ")
                )
            }
            FieldErrorKind::Duplicate { value } => {
                write!(f, "{}: Duplicate value: {value}", self.field)
            }
        }
    }
}
