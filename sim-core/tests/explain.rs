//! `kubectl explain` answers for every field of every kind kubectl knows, at every depth: the
//! field tree comes from `kubectl explain TYPE --recursive`, and each path in it is explained.

use sim_core::Simulation;
use sim_core::kubectl::Schema;
use sim_core::kubectl::resources::RESOURCES;
use sim_core::shell::Shell;
use std::sync::Arc;

const SCHEMA: &str = include_str!("../../public/schema-v1.34.json");

/// The field paths of a `--recursive` listing: `spec.containers.image`, from the indentation.
fn paths(listing: &str) -> Vec<String> {
    let mut stack: Vec<String> = Vec::new();
    let mut paths = Vec::new();
    for line in listing.lines().skip_while(|l| *l != "FIELDS:").skip(1) {
        let Some((name, _)) = line.trim_start().split_once('\t') else { continue };
        let depth = (line.len() - line.trim_start().len()) / 2;
        stack.truncate(depth.saturating_sub(1));
        stack.push(name.to_string());
        paths.push(stack.join("."));
    }
    paths
}

#[test]
fn every_field_of_every_kind_is_explained() {
    let schema = Arc::new(Schema::from_json(SCHEMA).expect("the shipped schema loads"));
    let mut sim = Simulation::new(1);
    let mut shell = Shell { schema: Some(schema), ..Shell::new() };
    let mut explained = 0;
    for resource in RESOURCES {
        let listing =
            shell.transcript(&mut sim, &format!("kubectl explain {} --recursive", resource.plural));
        let fields = paths(&listing);
        assert!(fields.iter().any(|f| f == "metadata"), "{}: {listing}", resource.plural);
        for field in fields {
            let out = shell
                .transcript(&mut sim, &format!("kubectl explain '{}.{field}'", resource.plural));
            let name = field.rsplit('.').next().unwrap_or_default();
            assert!(
                out.contains(&format!("FIELD: {name} <"))
                    && out.contains(&format!("KIND:       {}", resource.kind)),
                "kubectl explain {}.{field}:\n{out}",
                resource.plural
            );
            explained += 1;
        }
    }
    assert!(explained > 3000, "only {explained} fields");
}
