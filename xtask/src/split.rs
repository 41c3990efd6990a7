//! Splits the page's WebAssembly in two so the first load carries only what start-up runs.
//!
//! The functions the page runs while it starts and the default cluster settles are listed, by
//! name, in `app/split-profile.txt` (`cargo xtask split-profile` records them). Every other
//! function moves to a second module, fetched and compiled in the background once the page is
//! up. In the first module each moved function leaves a stub with its signature: it loads the
//! second module if that has not happened yet (synchronously: a rare path, as the prefetch
//! normally wins) and calls the real function through the function table, where the second
//! module's element segment put it. Both modules share the memory, the tables and the globals.
//! A function missing from the profile is never wrong, only slower on its first call.
//!
//! `instrument` makes the profiling build: each function reports its first call to JavaScript.

use crate::{root, serve_dir, tools};
use id_arena::Id;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use walrus::ir::{UnaryOp, Value};
use walrus::{
    ConstExpr, ExportItem, FunctionBuilder, FunctionId, FunctionKind, GlobalKind, ImportKind,
    ImportedFunction, Module, ModuleConfig, ValType,
};

/// The import namespace through which the second module reaches the first one's exports.
const PRIMARY: &str = "primary";
/// The import namespace of the functions the split adds to the first module.
pub const LOADER: &str = "kubelab_split";
/// Functions at most this big (in instructions) stay in the first module: a stub would not be
/// much smaller, and every call through one costs an indirect call.
const SMALL: u64 = 12;

/// The two modules, and how many functions moved.
pub struct Split {
    pub primary: Vec<u8>,
    pub secondary: Vec<u8>,
    pub moved: usize,
    pub kept: usize,
}

/// A function's name without what changes from build to build although the function does
/// not: rustc's symbol hash (`…::h0123456789abcdef`), the linker's number for a duplicated local
/// symbol (`….5434`) and wasm-bindgen's index of a closure shim (`shim_idx: 541`). A profile
/// recorded on one build then matches the next.
pub fn profile_key(name: &str) -> String {
    let mut key = name;
    if let Some((stem, hash)) = key.rsplit_once("::h")
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
    {
        key = stem;
    }
    if let Some((stem, number)) = key.rsplit_once('.')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
    {
        key = stem;
    }
    const SHIM: &str = "shim_idx: ";
    match key.split_once(SHIM) {
        Some((before, after)) => {
            let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{before}{SHIM}_{rest}")
        }
        None => key.to_string(),
    }
}

fn parse(wasm: &[u8]) -> Result<Module, String> {
    // Names are read (the profile matches on them) but never written: the page ships without.
    ModuleConfig::new()
        .generate_name_section(false)
        .generate_producers_section(false)
        .parse(wasm)
        .map_err(|e| format!("cannot read the WebAssembly module: {e}"))
}

/// The local functions that move: named, bigger than a stub, and absent from the profile; by
/// index, the order of their slots in the function table.
fn cold_functions(module: &Module, hot: &BTreeSet<String>) -> Vec<FunctionId> {
    let mut cold: Vec<FunctionId> = module
        .funcs
        .iter_local()
        .filter(|(id, function)| {
            let name = module.funcs.get(*id).name.as_deref();
            name.is_some_and(|name| !hot.contains(&profile_key(name))) && function.size() > SMALL
        })
        .map(|(id, _)| id)
        .collect();
    cold.sort_by_key(|id| id.index());
    cold
}

pub fn split(wasm: &[u8], hot: &BTreeSet<String>) -> Result<Split, String> {
    let mut primary = parse(wasm)?;
    let mut secondary = parse(wasm)?;
    let cold = cold_functions(&primary, hot);
    let table = primary
        .tables
        .main_function_table()
        .map_err(|e| e.to_string())?
        .ok_or("the module has no function table")?;
    let base = primary.tables.get(table).initial;
    let moved = cold.len() as u64;

    // The second module: the moved functions, placed in the table after the existing entries.
    // Everything else they use comes from the first module's exports, what that one imports
    // (wasm-bindgen's JavaScript functions) as well.
    for import in secondary.imports.iter_mut() {
        import.name = shared_name(&import.kind)?;
        import.module = PRIMARY.to_string();
    }
    let cold_set: BTreeSet<usize> = cold.iter().map(|id| id.index()).collect();
    let local: Vec<FunctionId> = secondary.funcs.iter_local().map(|(id, _)| id).collect();
    for id in local {
        if !cold_set.contains(&id.index()) {
            let ty = secondary.funcs.get(id).ty();
            let import = share(&mut secondary, ImportKind::Function(id))?;
            secondary.funcs.get_mut(id).kind =
                FunctionKind::Import(ImportedFunction { import, ty });
        }
    }
    let globals: Vec<_> = secondary.globals.iter().map(|g| g.id()).collect();
    for id in globals {
        if let GlobalKind::Local(_) = secondary.globals.get(id).kind {
            let import = share(&mut secondary, ImportKind::Global(id))?;
            secondary.globals.get_mut(id).kind = GlobalKind::Import(import);
        }
    }
    let memories: Vec<_> = secondary.memories.iter().map(|m| m.id()).collect();
    for id in memories {
        if secondary.memories.get(id).import.is_none() {
            let import = share(&mut secondary, ImportKind::Memory(id))?;
            let memory = secondary.memories.get_mut(id);
            memory.import = Some(import);
            memory.data_segments.clear();
        }
    }
    let tables: Vec<_> = secondary.tables.iter().map(|t| t.id()).collect();
    for id in tables {
        let grown = if id.index() == table.index() { moved } else { 0 };
        let imported = secondary.tables.get(id).import.is_some();
        let t = secondary.tables.get_mut(id);
        t.initial += grown;
        t.maximum = t.maximum.map(|max| max + grown);
        t.elem_segments.clear();
        if !imported {
            t.init = None;
            let import = share(&mut secondary, ImportKind::Table(id))?;
            secondary.tables.get_mut(id).import = Some(import);
        }
    }
    for id in secondary.exports.iter().map(|e| e.id()).collect::<Vec<_>>() {
        secondary.exports.delete(id);
    }
    for id in secondary.elements.iter().map(|e| e.id()).collect::<Vec<_>>() {
        secondary.elements.delete(id);
    }
    for id in secondary.data.iter().map(|d| d.id()).collect::<Vec<_>>() {
        secondary.data.delete(id);
    }
    secondary.start = None;
    // In the order of the stubs' slots: by index.
    let funcs = by_index(secondary.funcs.iter().map(|f| f.id()));
    let cold_in_secondary: Vec<FunctionId> =
        cold.iter().map(|id| same(&funcs, *id)).collect::<Result<_, _>>()?;
    let offset =
        ConstExpr::Value(Value::I32(i32::try_from(base).map_err(|_| "function table too big")?));
    let table_in_secondary = same(&by_index(secondary.tables.iter().map(|t| t.id())), table)?;
    secondary.elements.add(
        walrus::ElementKind::Active { table: table_in_secondary, offset },
        walrus::ElementItems::Functions(cold_in_secondary),
    );
    walrus::passes::gc::run(&mut secondary);
    let needed: Vec<(String, ImportKind)> = secondary
        .imports
        .iter()
        .filter(|i| i.module == PRIMARY)
        .map(|i| (i.name.clone(), i.kind.clone()))
        .collect();

    // The first module: stubs in place of the moved functions, a bigger table, and exports for
    // what the second one imports.
    let t = primary.tables.get_mut(table);
    t.initial += moved;
    t.maximum = t.maximum.map(|max| max + moved);
    let loaded =
        primary.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
    primary.exports.add("__split_loaded", loaded);
    let load_ty = primary.types.add(&[], &[]);
    let (load, _) = primary.add_import_func(LOADER, "load", load_ty);
    for (slot, id) in cold.iter().enumerate() {
        let ty = primary.funcs.get(*id).ty();
        let (params, results) = {
            let ty = primary.types.get(ty);
            (ty.params().to_vec(), ty.results().to_vec())
        };
        let args: Vec<_> = params.iter().map(|p| primary.locals.add(*p)).collect();
        let mut stub = FunctionBuilder::new(&mut primary.types, &params, &results);
        let mut body = stub.func_body();
        body.global_get(loaded).unop(UnaryOp::I32Eqz).if_else(
            None,
            |then| {
                then.call(load);
            },
            |_| {},
        );
        for arg in &args {
            body.local_get(*arg);
        }
        let slot = i32::try_from(base + slot as u64).map_err(|_| "function table too big")?;
        body.i32_const(slot).call_indirect(ty, table);
        primary.funcs.get_mut(*id).kind = FunctionKind::Local(stub.local_func(args));
    }
    let funcs = by_index(primary.funcs.iter().map(|f| f.id()));
    let globals = by_index(primary.globals.iter().map(|g| g.id()));
    let memories = by_index(primary.memories.iter().map(|m| m.id()));
    let tables = by_index(primary.tables.iter().map(|t| t.id()));
    for (name, kind) in needed {
        let item = match kind {
            ImportKind::Function(id) => ExportItem::Function(same(&funcs, id)?),
            ImportKind::Global(id) => ExportItem::Global(same(&globals, id)?),
            ImportKind::Memory(id) => ExportItem::Memory(same(&memories, id)?),
            ImportKind::Table(id) => ExportItem::Table(same(&tables, id)?),
            ImportKind::Tag(_) => return Err("the module uses exception tags".into()),
        };
        primary.exports.add(&name, item);
    }

    Ok(Split {
        primary: primary.emit_wasm(),
        secondary: secondary.emit_wasm(),
        moved: cold.len(),
        kept: primary.funcs.iter_local().count() - cold.len(),
    })
}

/// The name under which the first module exports an item the second one imports.
fn shared_name(kind: &ImportKind) -> Result<String, String> {
    Ok(match kind {
        ImportKind::Function(id) => format!("f{}", id.index()),
        ImportKind::Table(id) => format!("t{}", id.index()),
        ImportKind::Memory(id) => format!("m{}", id.index()),
        ImportKind::Global(id) => format!("g{}", id.index()),
        ImportKind::Tag(_) => return Err("the module uses exception tags".into()),
    })
}

/// Makes the second module import `kind` from the first.
fn share(secondary: &mut Module, kind: ImportKind) -> Result<walrus::ImportId, String> {
    let name = shared_name(&kind)?;
    Ok(secondary.imports.add(PRIMARY, &name, kind))
}

/// Items by arena index: both modules were parsed from the same bytes, so an item has the
/// same index in each.
fn by_index<T>(ids: impl Iterator<Item = Id<T>>) -> BTreeMap<usize, Id<T>> {
    ids.map(|id| (id.index(), id)).collect()
}

fn same<T>(ids: &BTreeMap<usize, Id<T>>, other: Id<T>) -> Result<Id<T>, String> {
    ids.get(&other.index()).copied().ok_or_else(|| format!("no item {}", other.index()))
}

/// The profiling build: each named function calls `kubelab_split.hit(i)` the first time it
/// runs, `i` indexing the returned names.
pub fn instrument(wasm: &[u8]) -> Result<(Vec<u8>, Vec<String>), String> {
    let mut module = parse(wasm)?;
    let hit_ty = module.types.add(&[ValType::I32], &[]);
    let (hit, _) = module.add_import_func(LOADER, "hit", hit_ty);
    let mut names = Vec::new();
    let functions: Vec<(FunctionId, String)> = module
        .funcs
        .iter_local()
        .filter_map(|(id, _)| Some((id, module.funcs.get(id).name.clone()?)))
        .collect();
    for (id, name) in functions {
        let index = i32::try_from(names.len()).map_err(|_| "too many functions")?;
        names.push(profile_key(&name));
        let seen =
            module.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(0)));
        let FunctionKind::Local(function) = &mut module.funcs.get_mut(id).kind else { continue };
        function.builder_mut().func_body().if_else_at(
            0,
            None,
            |first| {
                first.i32_const(1).global_set(seen).i32_const(index).call(hit);
            },
            |_| {},
        );
        function.builder_mut().func_body().instr_at(0, walrus::ir::Unop { op: UnaryOp::I32Eqz });
        function.builder_mut().func_body().instr_at(0, walrus::ir::GlobalGet { global: seen });
    }
    Ok((module.emit_wasm(), names))
}

/// The profile: the names of the functions start-up runs, one per line.
fn profile_path() -> PathBuf {
    root().join("app").join("split-profile.txt")
}

/// The site's module (`NAME_bg.wasm`) and its wasm-bindgen glue (`NAME.js`).
fn site_module(dist: &Path) -> Result<(PathBuf, PathBuf), String> {
    let entries =
        std::fs::read_dir(dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?;
    let wasm = entries
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.to_string_lossy().ends_with("_bg.wasm"))
        .ok_or_else(|| format!("no *_bg.wasm in {}", dist.display()))?;
    let glue = PathBuf::from(wasm.to_string_lossy().replace("_bg.wasm", ".js"));
    Ok((wasm, glue))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Renames the glue's `__wbg_get_imports` so `addition` can wrap it, and appends `addition`.
fn extend_glue(glue: &Path, addition: &str) -> Result<(), String> {
    let text = String::from_utf8(read(glue)?).map_err(|e| e.to_string())?;
    const IMPORTS: &str = "function __wbg_get_imports() {";
    if text.matches(IMPORTS).count() != 1 {
        return Err(format!(
            "{} does not define `__wbg_get_imports` once: has wasm-bindgen changed?",
            glue.display()
        ));
    }
    let text = text.replace(IMPORTS, "function __wbg_get_imports_whole() {") + addition;
    write(glue, text.as_bytes())
}

/// Splits the built site's module in two, following the profile.
pub fn split_site(dist: &Path) -> Result<(), String> {
    let profile = std::fs::read_to_string(profile_path()).map_err(|e| {
        format!(
            "cannot read {}: {e} (`cargo xtask split-profile` records it)",
            profile_path().display()
        )
    })?;
    let hot: BTreeSet<String> = profile
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_string)
        .collect();
    let (wasm, glue) = site_module(dist)?;
    let split = split(&read(&wasm)?, &hot)?;
    let secondary = wasm.to_string_lossy().replace("_bg.wasm", "_split.wasm");
    let secondary = PathBuf::from(secondary);
    let secondary_name =
        secondary.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    write(&wasm, &split.primary)?;
    write(&secondary, &split.secondary)?;
    extend_glue(&glue, &include_str!("split-loader.js").replace("SECONDARY", &secondary_name))?;
    println!(
        "xtask: split the module: {} functions stay in the first part ({} bytes), {} move to {secondary_name} ({} bytes)",
        split.kept,
        split.primary.len(),
        split.moved,
        split.secondary.len()
    );
    Ok(())
}

/// `cargo xtask split-profile`: runs an instrumented build of the page in headless Chromium
/// through start-up and a while of the default cluster, and records the functions that ran.
pub fn record_profile() -> Result<(), String> {
    let dist = tools::build_site_whole()?;
    let (wasm, glue) = site_module(&dist)?;
    let (instrumented, names) = instrument(&read(&wasm)?)?;
    write(&wasm, &instrumented)?;
    extend_glue(
        &glue,
        "\nwindow.kubelabSplitHits = [];\nfunction __wbg_get_imports() {\n  const imports = __wbg_get_imports_whole();\n  imports.kubelab_split = { hit: (i) => window.kubelabSplitHits.push(i) };\n  return imports;\n}\n",
    )?;
    let e2e = root().join("tests").join("e2e");
    tools::ensure_browser_test_tools(&e2e)?;
    let url = serve_dir::start(&dist, "/lab/")?;
    let output = Command::new("node")
        .arg("split-profile.mjs")
        .arg(&url)
        .current_dir(&e2e)
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "recording the profile failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let hits: Vec<usize> = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("unexpected output from split-profile.mjs: {e}"))?;
    let hot: BTreeSet<&str> =
        hits.iter().filter_map(|i| names.get(*i)).map(String::as_str).collect();
    let mut text = String::from(
        "# The functions the page runs while it starts and the default cluster settles, by name\n\
         # (`cargo xtask split-profile` records them; `xtask/src/split.rs` keeps them in the first\n\
         # WebAssembly part and moves every other function to the second).\n",
    );
    for name in &hot {
        text.push_str(name);
        text.push('\n');
    }
    write(&profile_path(), text.as_bytes())?;
    println!(
        "xtask: {} of {} functions ran; wrote {}",
        hot.len(),
        names.len(),
        profile_path().display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use walrus::FunctionBuilder;

    #[test]
    fn profile_keys_drop_the_symbol_hash_only() {
        assert_eq!(
            profile_key("sim_core::kubelet::sync::h0123456789abcdef"),
            "sim_core::kubelet::sync"
        );
        assert_eq!(profile_key("core::fmt::write"), "core::fmt::write");
        assert_eq!(profile_key("a::hello"), "a::hello");
    }

    /// Adds a named function that does enough work to be worth moving.
    fn busy(
        module: &mut Module,
        name: &str,
        calls: &[FunctionId],
        global: walrus::GlobalId,
    ) -> FunctionId {
        let mut builder = FunctionBuilder::new(&mut module.types, &[], &[ValType::I32]);
        builder.name(name.to_string());
        let mut body = builder.func_body();
        for callee in calls {
            body.i32_const(1).call(*callee);
        }
        body.global_get(global);
        for i in 0..8 {
            body.i32_const(i).binop(walrus::ir::BinaryOp::I32Add);
        }
        builder.finish(vec![], &mut module.funcs)
    }

    /// A module like rustc's: an imported JavaScript function, memory with data, a function
    /// table, the stack pointer; `cold` calls `log` and `hot`, and reads the global and memory.
    fn demo() -> Vec<u8> {
        let mut module = Module::default();
        let log_ty = module.types.add(&[ValType::I32], &[]);
        let (log, _) = module.add_import_func("env", "log", log_ty);
        let memory = module.memories.add_local(false, false, 17, None, None);
        module.exports.add("memory", memory);
        let strings = walrus::DataKind::Active { memory, offset: ConstExpr::Value(Value::I32(8)) };
        let data = module.data.add(strings, b"kubelab".to_vec());
        module.memories.get_mut(memory).data_segments.insert(data);
        let table = module.tables.add_local(false, 2, Some(2), walrus::RefType::FUNCREF);
        let sp =
            module.globals.add_local(ValType::I32, true, false, ConstExpr::Value(Value::I32(1024)));
        let hot = busy(&mut module, "demo::hot::h0123456789abcdef", &[], sp);
        let mut cold = FunctionBuilder::new(&mut module.types, &[], &[ValType::I32]);
        cold.name("demo::cold::hfedcba9876543210".to_string());
        let mut body = cold.func_body();
        body.i32_const(7).call(log).call(hot).global_get(sp).binop(walrus::ir::BinaryOp::I32Add);
        body.memory_size(memory).binop(walrus::ir::BinaryOp::I32Add);
        for i in 0..8 {
            body.i32_const(i).binop(walrus::ir::BinaryOp::I32Add);
        }
        let cold = cold.finish(vec![], &mut module.funcs);
        let run = busy(&mut module, "demo::run::h00112233445566aa", &[], sp);
        module.exports.add("run", run);
        module.exports.add("cold", cold);
        module.elements.add(
            walrus::ElementKind::Active { table, offset: ConstExpr::Value(Value::I32(0)) },
            walrus::ElementItems::Functions(vec![hot, cold]),
        );
        module.emit_wasm()
    }

    #[test]
    fn cold_functions_move_and_leave_stubs_that_reach_them_through_the_table() {
        let hot: BTreeSet<String> = ["demo::hot", "demo::run"].map(String::from).into();
        let split = split(&demo(), &hot).unwrap();
        assert_eq!(split.moved, 1);

        let secondary = Module::from_buffer(&split.secondary).unwrap();
        let primary = Module::from_buffer(&split.primary).unwrap();
        // The second module holds the moved body and imports all it uses from the first.
        assert_eq!(secondary.funcs.iter_local().count(), 1);
        let imports: BTreeSet<(&str, &str)> =
            secondary.imports.iter().map(|i| (i.module.as_str(), i.name.as_str())).collect();
        assert!(imports.iter().all(|(module, _)| *module == PRIMARY), "{imports:?}");
        assert_eq!(imports.len(), 5, "log, hot, the stack pointer, memory and table: {imports:?}");
        let exported: BTreeSet<&str> = primary.exports.iter().map(|e| e.name.as_str()).collect();
        for (_, name) in &imports {
            assert!(exported.contains(name), "the first module must export {name}");
        }
        assert!(exported.contains("__split_loaded"));
        // It places the body after the table's existing entries, which the first module grew.
        let table = primary.tables.main_function_table().unwrap().unwrap();
        assert_eq!(primary.tables.get(table).initial, 3);
        assert_eq!(primary.tables.get(table).maximum, Some(3));
        let [segment] = &secondary.elements.iter().collect::<Vec<_>>()[..] else {
            panic!("one segment")
        };
        let walrus::ElementKind::Active { offset, .. } = &segment.kind else { panic!("active") };
        assert!(matches!(offset, ConstExpr::Value(Value::I32(2))));
        // The stub asks the loader first, then calls through the table.
        assert!(primary.imports.find(LOADER, "load").is_some());
        // Memory is initialized once, by the first module.
        assert_eq!(primary.data.iter().count(), 1);
        assert_eq!(secondary.data.iter().count(), 0);
    }

    #[test]
    fn instrumented_functions_report_their_first_call() {
        let (wasm, names) = instrument(&demo()).unwrap();
        let names: BTreeSet<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(names, ["demo::cold", "demo::hot", "demo::run"].into());
        let module = Module::from_buffer(&wasm).unwrap();
        assert!(module.imports.find(LOADER, "hit").is_some());
    }
}
