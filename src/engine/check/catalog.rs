//! The technique catalog: its version, ids, ranges and the links between techniques.

use super::*;

/// The technique catalog's format version.
pub const CATALOG_VERSION: u32 = 1;

/// Checks a technique catalog.
pub fn check_catalog(c: &Catalog, file: &str, loc: &Locator) -> Vec<Diagnostic> {
    let mut cx = Ctx {
        file,
        loc,
        out: Vec::new(),
    };
    if c.version != CATALOG_VERSION {
        cx.push(
            Code::R007,
            "version",
            format!(
                "catalog format version {} is not supported; this Rapport reads catalog version {CATALOG_VERSION}",
                c.version
            ),
        );
    }
    if c.techniques.is_empty() {
        cx.push(
            Code::R501,
            "techniques",
            "the catalog has no techniques: no scenario could use it",
        )
        .help = Some(
            "list the techniques under `techniques: [ ... ]` (assets/techniques.ron is the built-in catalog)".into(),
        );
    }
    let mut seen = HashSet::new();
    for (i, t) in c.techniques.iter().enumerate() {
        let p = format!("techniques[{i}]");
        if t.id.trim().is_empty() {
            cx.push(
                Code::R402,
                &format!("{p}.id"),
                format!("the technique id of `{}` is empty", t.name),
            )
            .help = Some("give it a stable id in lower case with underscores, such as `empathic_reflection`".into());
        }
        if !seen.insert(&t.id) {
            cx.push(
                Code::R201,
                &format!("{p}.id"),
                format!("the technique id `{}` is used twice", t.id),
            );
        }
        for (field, v) in [
            ("name", &t.name),
            ("description", &t.description),
            ("citation", &t.citation),
        ] {
            if v.trim().is_empty() {
                cx.push(
                    Code::R501,
                    &format!("{p}.{field}"),
                    format!("technique `{}` has no {field}", t.id),
                );
            }
        }
        cx.range(
            &format!("{p}.directiveness"),
            "directiveness",
            t.directiveness,
            0.0,
            1.0,
        );
        cx.range(&format!("{p}.focus"), "focus", t.focus, -1.0, 1.0);
        cx.range(&format!("{p}.arousal"), "arousal", t.arousal, -1.0, 1.0);
        cx.range(&format!("{p}.intensity"), "intensity", t.intensity, 0.0, 1.0);
        cx.range(
            &format!("{p}.adaptation.culture"),
            "cultural adaptation",
            t.adaptation.culture,
            -1.0,
            1.0,
        );
        cx.range(
            &format!("{p}.adaptation.religion"),
            "religious adaptation",
            t.adaptation.religion,
            -1.0,
            1.0,
        );
        for q in Quality::ALL {
            if q != Quality::Repair {
                cx.range(&format!("{p}.qualities"), q.label(), t.quality(q), 0.0, 1.0);
            }
        }
    }
    cx.out
}
