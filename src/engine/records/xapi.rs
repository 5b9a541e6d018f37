//! xAPI 1.0.3 statements for a session (launched, answered, completed), and the outbox that posts them to a
//! Learning Record Store exactly once.
//!
//! Activity ids: the scenario is `{base}/scenarios/{scenario id}`, each stage `{base}/scenarios/{scenario
//! id}/stages/{stage id}`; result extensions are `{base}/extensions/{name}`. `base` is an IRI the
//! educator configures (the institution's own domain); the default, under the reserved `.invalid` domain,
//! says plainly that it has not been set. A session's id is its registration. Statement ids are UUIDs
//! derived from the registration and the statement's place in it, so the same session always yields the
//! same ids: re-queuing or re-sending never creates a second copy in the LRS.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::time::Duration;

use super::{SessionRecord, Status, Store, StoreError};
use crate::engine::play::session::Event;

/// The xAPI version Rapport writes.
pub const VERSION: &str = "1.0.3";
/// The namespace of statement ids (UUID v5 of `{registration}/{place}`).
const NAMESPACE: uuid::Uuid = uuid::uuid!("6f1f6a3e-8e1c-4f7b-9a63-5c1d2b7e0a41");

pub const LAUNCHED: &str = "http://adlnet.gov/expapi/verbs/launched";
pub const ANSWERED: &str = "http://adlnet.gov/expapi/verbs/answered";
pub const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";

/// Who the statements are about and where their activity ids live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct XapiSettings {
    /// The IRI under which activity ids are minted (the institution's own, e.g. `https://lms.example.edu/rapport`).
    pub base: String,
    /// The actor's account: `home_page` is the system that knows them, `account` their id there. Left empty,
    /// an anonymous id is made once and kept in the store: the LRS then sees no name and no e-mail.
    pub home_page: String,
    pub account: String,
    /// The Learning Record Store's statements endpoint base (`.../xAPI`), if results are sent to one.
    pub lrs: String,
    /// Basic-auth credentials for the LRS (the environment's `RAPPORT_LRS_USER` and `RAPPORT_LRS_PASSWORD`
    /// take precedence; a scenario can never set them).
    pub user: String,
    pub password: String,
}

impl Default for XapiSettings {
    fn default() -> XapiSettings {
        XapiSettings {
            base: "https://rapport.invalid/xapi".into(),
            home_page: "https://rapport.invalid".into(),
            account: String::new(),
            lrs: String::new(),
            user: String::new(),
            password: String::new(),
        }
    }
}

impl XapiSettings {
    /// The `xapi` section of the settings file in the data folder (defaults where it is missing or unreadable),
    /// with the environment laid over it.
    pub fn from_settings_in(dir: &std::path::Path) -> XapiSettings {
        std::fs::read_to_string(dir.join(super::SETTINGS_FILE))
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .and_then(|v| serde_json::from_value::<XapiSettings>(v.get("xapi")?.clone()).ok())
            .unwrap_or_default()
            .with_env()
    }

    /// The settings with the environment's LRS address and credentials laid over them.
    pub fn with_env(mut self) -> XapiSettings {
        for (var, field) in [
            ("RAPPORT_LRS_URL", &mut self.lrs),
            ("RAPPORT_LRS_USER", &mut self.user),
            ("RAPPORT_LRS_PASSWORD", &mut self.password),
            ("RAPPORT_XAPI_BASE", &mut self.base),
        ] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                *field = v;
            }
        }
        self
    }

    /// The actor's account name: the configured one, else the store's anonymous id (made once).
    pub fn account_in(&self, store: &mut Store) -> Result<String, StoreError> {
        if !self.account.is_empty() {
            return Ok(self.account.clone());
        }
        if let Some(a) = store.meta("xapi_account")? {
            return Ok(a);
        }
        let a = uuid::Uuid::new_v4().to_string();
        store.set_meta("xapi_account", &a)?;
        Ok(a)
    }
}

fn trim_base(base: &str) -> &str {
    base.trim_end_matches('/')
}

/// A path segment made safe for an IRI (ids are ASCII words already; anything else is percent-encoded).
fn segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The fixed id of the statement at `place` in a registration.
pub fn statement_id(registration: &str, place: &str) -> String {
    uuid::Uuid::new_v5(&NAMESPACE, format!("{registration}/{place}").as_bytes()).to_string()
}

/// ISO 8601 time of a Unix timestamp.
pub fn iso(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| d.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

fn verb(id: &str) -> Value {
    let word = id.rsplit('/').next().unwrap_or(id);
    json!({ "id": id, "display": { "en-US": word } })
}

fn round(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

/// The statements of one session, in order: launched, one answered per move, completed if it ended.
pub fn statements(rec: &SessionRecord, settings: &XapiSettings, account: &str) -> Vec<Value> {
    let s = &rec.summary;
    let base = trim_base(&settings.base);
    let scenario_iri = format!("{base}/scenarios/{}", segment(&s.scenario));
    let ext = |name: &str| format!("{base}/extensions/{name}");
    let actor = json!({
        "objectType": "Agent",
        "account": { "homePage": settings.home_page, "name": account }
    });
    let scenario = json!({
        "objectType": "Activity",
        "id": scenario_iri,
        "definition": {
            "name": { "en-US": s.title },
            "type": "http://adlnet.gov/expapi/activities/simulation"
        }
    });
    let context = |parent: bool| {
        let mut c = json!({
            "registration": s.id,
            "platform": format!("Rapport {}", env!("CARGO_PKG_VERSION")),
            "language": "en",
            "extensions": {
                ext("seed"): s.seed.to_string(),
                ext("scenario-version"): s.scenario_version,
                ext("content-hash"): s.content_hash,
            }
        });
        if parent {
            c["contextActivities"] = json!({ "parent": [ { "id": scenario_iri, "objectType": "Activity" } ] });
        }
        c
    };
    let mut out = vec![json!({
        "id": statement_id(&s.id, "launched"),
        "actor": actor,
        "verb": verb(LAUNCHED),
        "object": scenario,
        "context": context(false),
        "timestamp": iso(s.started),
    })];
    for m in &rec.moves {
        let Some(o) = &m.outcome else { continue };
        let mut extensions = Map::new();
        let mut put = |k: &str, v: Value| {
            extensions.insert(ext(k), v);
        };
        put("technique", json!(o.technique));
        put("technique-name", json!(o.technique_name));
        put("school", json!(o.school.label()));
        put("class", json!(o.class.label()));
        put("accuracy", json!(round(o.accuracy)));
        put("fit", json!(round(o.evaluation.fit.total)));
        put("fit-band", json!(format!("{:?}", o.evaluation.fit.band).to_lowercase()));
        put("alliance-before", json!(round(o.alliance_before.mean())));
        put("alliance-after", json!(round(o.alliance_after.mean())));
        put("common-factors", json!(round(o.evaluation.common_factors.total)));
        put("addressed-to", json!(o.to));
        if let Some(c) = o.critical {
            put("critical-miss", json!(c.label()));
        }
        for e in &m.events {
            match e {
                Event::RuptureOpened { kind, .. } => put("rupture-opened", json!(kind.label())),
                Event::RuptureRepaired { kind, .. } => put("rupture-repaired", json!(kind.label())),
                Event::RepairFailed { kind, .. } => put("repair-failed", json!(kind.label())),
                Event::MissedRepair { kind, .. } => put("missed-repair", json!(kind.label())),
                _ => {}
            }
        }
        let stage_iri = format!("{scenario_iri}/stages/{}", segment(&o.stage));
        out.push(json!({
            "id": statement_id(&s.id, &format!("answered/{}", m.step)),
            "actor": actor,
            "verb": verb(ANSWERED),
            "object": {
                "objectType": "Activity",
                "id": stage_iri,
                "definition": {
                    "name": { "en-US": format!("{}: {}", s.title, o.stage) },
                    "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                    "interactionType": "choice"
                }
            },
            "result": {
                "response": m.choice,
                "success": o.class.is_sound(),
                "score": { "scaled": round(o.accuracy / 100.0), "raw": round(o.accuracy), "min": 0, "max": 100 },
                "extensions": extensions,
            },
            "context": context(true),
            "timestamp": iso(m.at),
        }));
    }
    if s.status == Status::Finished {
        let accuracy = s.accuracy.unwrap_or(0.0);
        let mut extensions = Map::new();
        if let Some(e) = &s.ending {
            extensions.insert(ext("ending"), json!(e));
        }
        if let Some(d) = &rec.debrief {
            extensions.insert(ext("ending-title"), json!(d.ending_title));
            extensions.insert(ext("missed-repairs"), json!(d.missed_repairs.len()));
        }
        if let Some(o) = &s.outcome {
            extensions.insert(ext("outcome"), json!(o));
        }
        if let Some(v) = &s.verdict {
            extensions.insert(ext("verdict"), json!(v));
        }
        if let Some(a) = s.final_alliance {
            extensions.insert(ext("final-alliance"), json!(round(a)));
        }
        if let Some(f) = s.mean_fit {
            extensions.insert(ext("mean-fit"), json!(round(f)));
        }
        if let Some(c) = s.mean_common_factors {
            extensions.insert(ext("mean-common-factors"), json!(round(c)));
        }
        extensions.insert(ext("critical-misses"), json!(s.critical_misses));
        let good = rec.debrief.as_ref().is_some_and(|d| d.practice.verdict.is_good());
        out.push(json!({
            "id": statement_id(&s.id, "completed"),
            "actor": actor,
            "verb": verb(COMPLETED),
            "object": scenario,
            "result": {
                "completion": true,
                "success": good,
                "score": { "scaled": round(accuracy / 100.0), "raw": round(accuracy), "min": 0, "max": 100 },
                "extensions": extensions,
            },
            "context": context(false),
            "timestamp": iso(s.updated),
        }));
    }
    out
}

/// Checks a statement against the xAPI 1.0.3 structure (the requirements an LRS enforces on what Rapport
/// writes): every problem found, empty when it is valid.
pub fn validate(st: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut need = |ok: bool, what: &str| {
        if !ok {
            problems.push(what.to_owned());
        }
    };
    let is_uuid = |v: &Value| v.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok());
    let is_iri = |v: &Value| {
        v.as_str().is_some_and(|s| {
            s.split_once(':')
                .is_some_and(|(scheme, rest)| !scheme.is_empty() && !rest.is_empty())
        })
    };
    let is_lang_map = |v: &Value| {
        v.as_object()
            .is_some_and(|m| !m.is_empty() && m.values().all(Value::is_string))
    };
    need(st.is_object(), "a statement is a JSON object");
    need(is_uuid(&st["id"]), "id is a UUID");
    let actor = &st["actor"];
    let ifis = ["mbox", "mbox_sha1sum", "openid", "account"]
        .iter()
        .filter(|k| !actor[**k].is_null())
        .count();
    need(ifis == 1, "the actor has exactly one identifier");
    if !actor["account"].is_null() {
        need(
            is_iri(&actor["account"]["homePage"]),
            "actor.account.homePage is an IRL",
        );
        need(
            actor["account"]["name"].as_str().is_some_and(|s| !s.is_empty()),
            "actor.account.name is set",
        );
    }
    need(is_iri(&st["verb"]["id"]), "verb.id is an IRI");
    need(
        st["verb"]["display"].is_null() || is_lang_map(&st["verb"]["display"]),
        "verb.display is a language map",
    );
    need(is_iri(&st["object"]["id"]), "object.id is an IRI");
    let def = &st["object"]["definition"];
    need(
        def["name"].is_null() || is_lang_map(&def["name"]),
        "object.definition.name is a language map",
    );
    need(
        def["type"].is_null() || is_iri(&def["type"]),
        "object.definition.type is an IRI",
    );
    let result = &st["result"];
    if !result.is_null() {
        let score = &result["score"];
        if let Some(scaled) = score["scaled"].as_f64() {
            need((-1.0..=1.0).contains(&scaled), "result.score.scaled is within -1..1");
        }
        if let (Some(raw), Some(min), Some(max)) = (score["raw"].as_f64(), score["min"].as_f64(), score["max"].as_f64())
        {
            need(min <= raw && raw <= max, "result.score.raw is within min..max");
        }
        for b in ["success", "completion"] {
            need(
                result[b].is_null() || result[b].is_boolean(),
                "result.success and completion are booleans",
            );
        }
        if let Some(ext) = result["extensions"].as_object() {
            need(ext.keys().all(|k| is_iri(&json!(k))), "result extension keys are IRIs");
        }
    }
    let ctx = &st["context"];
    need(
        ctx["registration"].is_null() || is_uuid(&ctx["registration"]),
        "context.registration is a UUID",
    );
    if let Some(ext) = ctx["extensions"].as_object() {
        need(ext.keys().all(|k| is_iri(&json!(k))), "context extension keys are IRIs");
    }
    need(
        st["timestamp"]
            .as_str()
            .is_some_and(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).is_ok()),
        "timestamp is ISO 8601",
    );
    problems
}

/// Puts a session's statements in the outbox for `lrs` (a statement already there stays as it was).
pub fn queue(store: &mut Store, lrs: &str, rec: &SessionRecord, statements: &[Value]) -> Result<usize, StoreError> {
    let sql = super::sql_error(store.path().to_owned());
    let now = super::now();
    let tx = store.conn().transaction().map_err(&sql)?;
    let mut added = 0;
    for (seq, st) in statements.iter().enumerate() {
        let id = st["id"].as_str().unwrap_or_default();
        added += tx
            .execute(
                "INSERT OR IGNORE INTO outbox (statement, lrs, session, seq, body, queued) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![id, lrs, rec.summary.id, seq as i64, st.to_string(), now],
            )
            .map_err(&sql)?;
    }
    tx.commit().map_err(&sql)?;
    Ok(added)
}

/// What a flush did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Flushed {
    pub sent: usize,
    pub waiting: usize,
    /// Why the rest is still waiting (the LRS down, the laptop offline, credentials refused).
    pub error: Option<String>,
}

/// The LRS to post to.
#[derive(Debug, Clone)]
pub struct Lrs {
    /// The endpoint base, ending in `/xAPI` (statements are posted to `{url}/statements`).
    pub url: String,
    pub user: String,
    pub password: String,
}

impl Lrs {
    fn statements_url(&self) -> String {
        format!("{}/statements", self.url.trim_end_matches('/'))
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .build()
            .into()
    }

    fn auth(&self) -> String {
        use base64::Engine;
        let pair = format!("{}:{}", self.user, self.password);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }

    /// Posts a batch; Ok(status, body) for any HTTP answer, Err for no answer at all.
    fn post(&self, body: &str) -> Result<(u16, String), String> {
        let mut resp = Lrs::agent()
            .post(&self.statements_url())
            .header("X-Experience-API-Version", VERSION)
            .header("Authorization", &self.auth())
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Ok((status, text))
    }

    /// Fetches statements by a query (`registration=...`, `statementId=...`), following `more` links.
    pub fn get(&self, query: &str) -> Result<Vec<Value>, String> {
        let mut url = format!("{}?{query}", self.statements_url());
        let mut all = Vec::new();
        for _ in 0..1000 {
            let mut resp = Lrs::agent()
                .get(&url)
                .header("X-Experience-API-Version", VERSION)
                .header("Authorization", &self.auth())
                .call()
                .map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let text = resp.body_mut().read_to_string().map_err(|e| e.to_string())?;
            if status == 404 {
                return Ok(all);
            }
            if status != 200 {
                return Err(format!(
                    "the LRS answered {status}: {}",
                    text.chars().take(300).collect::<String>()
                ));
            }
            let v: Value = serde_json::from_str(&text).map_err(|e| format!("the LRS sent something not JSON: {e}"))?;
            if v["statements"].is_array() {
                all.extend(v["statements"].as_array().into_iter().flatten().cloned());
            } else if v.is_object() && !v["id"].is_null() {
                all.push(v.clone());
            }
            match v["more"].as_str() {
                Some(more) if !more.is_empty() => url = join(&self.url, more),
                _ => break,
            }
        }
        Ok(all)
    }
}

/// Resolves an LRS `more` link (a path on the same host) against the endpoint.
fn join(endpoint: &str, more: &str) -> String {
    if more.starts_with("http") {
        return more.to_owned();
    }
    let host_end = endpoint
        .find("://")
        .map(|i| i + 3)
        .and_then(|start| endpoint[start..].find('/').map(|j| start + j))
        .unwrap_or(endpoint.len());
    format!("{}{more}", &endpoint[..host_end])
}

/// Sends what waits in the outbox for `lrs`, oldest first, `batch` statements per request. A statement is
/// marked sent only when the LRS has it: a 200 for the batch, or, on a conflict (the LRS already holds an id,
/// as after a reply lost on the way back), a read-back of each id. Anything else leaves it waiting.
pub fn flush(store: &mut Store, lrs: &Lrs, batch: usize) -> Result<Flushed, StoreError> {
    let sql = super::sql_error(store.path().to_owned());
    let mut done = Flushed::default();
    loop {
        let rows: Vec<(String, String)> = {
            let mut stmt = store
                .conn()
                .prepare(
                    "SELECT statement, body FROM outbox WHERE lrs = ?1 AND sent IS NULL
                     ORDER BY queued, session, seq LIMIT ?2",
                )
                .map_err(&sql)?;
            stmt.query_map(rusqlite::params![lrs.url, batch.max(1) as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(&sql)?
            .collect::<rusqlite::Result<_>>()
            .map_err(&sql)?
        };
        if rows.is_empty() {
            break;
        }
        let body = format!(
            "[{}]",
            rows.iter().map(|(_, b)| b.as_str()).collect::<Vec<_>>().join(",")
        );
        let answer = lrs.post(&body);
        let accepted: Vec<&str> = match &answer {
            Ok((200 | 204, _)) => rows.iter().map(|(id, _)| id.as_str()).collect(),
            Ok((409, _)) => rows
                .iter()
                .filter(|(id, _)| lrs.get(&format!("statementId={id}")).is_ok_and(|v| !v.is_empty()))
                .map(|(id, _)| id.as_str())
                .collect(),
            _ => Vec::new(),
        };
        let error = match &answer {
            Ok((200 | 204, _)) => None,
            Ok((409, _)) if accepted.len() == rows.len() => None,
            Ok((status, text)) => Some(format!(
                "the LRS answered {status}: {}",
                text.chars().take(300).collect::<String>()
            )),
            Err(e) => Some(format!("the LRS could not be reached: {e}")),
        };
        let now = super::now();
        let tx = store.conn().transaction().map_err(&sql)?;
        for id in &accepted {
            tx.execute(
                "UPDATE outbox SET sent = ?3, attempts = attempts + 1, error = NULL WHERE statement = ?1 AND lrs = ?2",
                rusqlite::params![id, lrs.url, now],
            )
            .map_err(&sql)?;
        }
        if let Some(e) = &error {
            for (id, _) in rows.iter().filter(|(id, _)| !accepted.contains(&id.as_str())) {
                tx.execute(
                    "UPDATE outbox SET attempts = attempts + 1, error = ?3 WHERE statement = ?1 AND lrs = ?2",
                    rusqlite::params![id, lrs.url, e],
                )
                .map_err(&sql)?;
            }
        }
        tx.commit().map_err(&sql)?;
        done.sent += accepted.len();
        if error.is_some() {
            done.error = error;
            break;
        }
    }
    done.waiting = store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM outbox WHERE lrs = ?1 AND sent IS NULL",
            rusqlite::params![lrs.url],
            |r| r.get::<_, i64>(0),
        )
        .map_err(&sql)? as usize;
    Ok(done)
}

/// Queues one recorded session's statements for the configured LRS and sends everything waiting there;
/// returns a sentence for the student saying what happened. Opens its own connection to the store in `dir`.
pub fn send_session(dir: &std::path::Path, id: &str, settings: &XapiSettings) -> String {
    let run = || -> Result<Flushed, StoreError> {
        let mut store = Store::open(dir)?;
        let rec = store.session(id)?;
        let account = settings.account_in(&mut store)?;
        let statements = statements(&rec, settings, &account);
        queue(&mut store, &settings.lrs, &rec, &statements)?;
        let lrs = Lrs {
            url: settings.lrs.clone(),
            user: settings.user.clone(),
            password: settings.password.clone(),
        };
        flush(&mut store, &lrs, 50)
    };
    match run() {
        Ok(Flushed { error: None, sent, .. }) => format!("Sent {sent} statements to {}.", settings.lrs),
        Ok(Flushed {
            error: Some(e),
            waiting,
            ..
        }) => {
            format!("{waiting} statements wait to be sent ({e}); they go with the next finished session.")
        }
        Err(e) => format!("Not sent: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_ids_are_fixed_by_registration_and_place() {
        let a = statement_id("r1", "answered/1");
        assert_eq!(a, statement_id("r1", "answered/1"));
        assert_ne!(a, statement_id("r1", "answered/2"));
        assert_ne!(a, statement_id("r2", "answered/1"));
    }

    #[test]
    fn an_lrs_more_link_is_resolved_against_the_host() {
        assert_eq!(
            join("http://127.0.0.1:8100/xAPI", "/xAPI/statements?pit_id=x"),
            "http://127.0.0.1:8100/xAPI/statements?pit_id=x"
        );
    }

    #[test]
    fn the_validator_names_what_is_wrong() {
        let bad = json!({"id": "nope", "actor": {}, "verb": {"id": "answered"}, "object": {"id": ""},
            "timestamp": "yesterday"});
        let p = validate(&bad);
        for want in [
            "id is a UUID",
            "exactly one identifier",
            "verb.id is an IRI",
            "timestamp",
        ] {
            assert!(p.iter().any(|x| x.contains(want)), "{want} missing from {p:?}");
        }
    }
}
