//! CustomResourceDefinitions: the names, scope and versions the apiextensions server requires,
//! and the conditions its controllers set as soon as the new kind is served.

use super::Admission;
use crate::api::{ApiError, ApiServer, FieldError, NameRule};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceConversion, CustomResourceDefinition, CustomResourceDefinitionCondition,
    CustomResourceDefinitionStatus,
};

impl Admission for CustomResourceDefinition {
    fn apply_defaults(&mut self) {
        let names = &mut self.spec.names;
        if names.singular.as_deref().unwrap_or_default().is_empty() {
            names.singular = Some(names.kind.to_lowercase());
        }
        if names.list_kind.as_deref().unwrap_or_default().is_empty() && !names.kind.is_empty() {
            names.list_kind = Some(format!("{}List", names.kind));
        }
        self.spec.conversion.get_or_insert_with(|| CustomResourceConversion {
            strategy: "None".into(),
            webhook: None,
        });
    }

    fn validate(&self) -> Vec<FieldError> {
        let spec = &self.spec;
        let mut errors = Vec::new();
        let name = self.metadata.name.clone().unwrap_or_default();
        if name != format!("{}.{}", spec.names.plural, spec.group) {
            errors.push(FieldError::invalid(
                "metadata.name",
                &name,
                "must be spec.names.plural+\".\"+spec.group",
            ));
        }
        if spec.group.is_empty() {
            errors.push(FieldError::required("spec.group"));
        } else if !spec.group.contains('.') {
            errors.push(FieldError::invalid(
                "spec.group",
                &spec.group,
                "should be a domain with at least one dot",
            ));
        }
        match spec.scope.as_str() {
            "Cluster" | "Namespaced" => {}
            "" => errors.push(FieldError::required("spec.scope")),
            other => errors.push(FieldError::not_supported(
                "spec.scope",
                other,
                &["Cluster", "Namespaced"],
            )),
        }
        for (field, value) in [("plural", &spec.names.plural), ("kind", &spec.names.kind)] {
            let path = format!("spec.names.{field}");
            if value.is_empty() {
                errors.push(FieldError::required(path));
            } else if field == "plural" {
                for problem in NameRule::Dns1123Label.problems(value) {
                    errors.push(FieldError::invalid(&path, value, problem));
                }
            }
        }
        if spec.versions.is_empty() {
            errors.push(FieldError::required_because(
                "spec.versions",
                "must have at least one version",
            ));
        } else if spec.versions.iter().filter(|v| v.storage).count() != 1 {
            errors.push(FieldError::invalid_raw(
                "spec.versions",
                format!("{} versions", spec.versions.len()),
                "must have exactly one version marked as storage version",
            ));
        }
        for (i, version) in spec.versions.iter().enumerate() {
            if version.schema.as_ref().and_then(|s| s.open_api_v3_schema.as_ref()).is_none() {
                errors.push(FieldError::required_because(
                    format!("spec.versions[{i}].schema.openAPIV3Schema"),
                    "schemas are required",
                ));
            }
        }
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.spec.scope != old.spec.scope {
            errors.push(FieldError::invalid("spec.scope", &self.spec.scope, "field is immutable"));
        }
        errors
    }

    /// The new kind's names are accepted and it is served at once (a real server takes a few
    /// milliseconds).
    fn allocate(&mut self, api: &mut ApiServer) -> Result<(), ApiError> {
        let now = api.now().to_k8s();
        let condition =
            |type_: &str, reason: &str, message: &str| CustomResourceDefinitionCondition {
                last_transition_time: Some(now.clone()),
                message: Some(message.into()),
                reason: Some(reason.into()),
                status: "True".into(),
                type_: type_.into(),
            };
        self.status = Some(CustomResourceDefinitionStatus {
            accepted_names: Some(self.spec.names.clone()),
            conditions: Some(vec![
                condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                condition(
                    "Established",
                    "InitialNamesAccepted",
                    "the initial names have been accepted",
                ),
            ]),
            stored_versions: Some(
                self.spec.versions.iter().filter(|v| v.storage).map(|v| v.name.clone()).collect(),
            ),
        });
        Ok(())
    }
}
