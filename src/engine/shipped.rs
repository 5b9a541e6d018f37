//! The shipped scenarios, embedded at build time (see `build.rs`), loaded and checked like any file.

use std::sync::Arc;

use super::format::catalog::Catalog;
use super::load::{self, LoadedScenario};

include!(concat!(env!("OUT_DIR"), "/shipped.rs"));

/// Every shipped scenario, checked against `catalog`.
pub fn load_all(catalog: &Catalog) -> Vec<LoadedScenario> {
    SHIPPED
        .iter()
        .map(|(name, src)| load::load_scenario_str(src, &format!("scenarios/{name}"), catalog, None))
        .collect()
}

/// A shipped scenario by id.
pub fn find(catalog: &Catalog, id: &str) -> Option<Arc<super::Scenario>> {
    load_all(catalog)
        .into_iter()
        .find_map(|l| l.clean().filter(|s| s.id == id).cloned())
}
