//! The phone page in real browsers: headless Chromium phones join, vote, change a vote, see the lock, reload, are removed.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use rapport::engine::classroom::{Ballot, Entry, Phase, Room, Server, ServerConfig, SharedRoom};

/// How long a page may take to show what the room says (it polls every 1.5 s; a loaded CI machine is slow).
const PATIENCE: Duration = Duration::from_secs(30);

/// Chromium's flags: headless, nothing fetched from the network but the page under test.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-crash-reporter",
    "--disable-breakpad",
];

/// chromedriver on a free loopback port, killed when dropped; each phone gets a fresh profile under `profiles`.
struct Driver {
    child: Child,
    url: String,
    profiles: tempfile::TempDir,
}

impl Driver {
    /// Starts chromedriver, or None (skip) where it is not installed and CI does not require it: `.ci/run`
    /// installs chromium-driver and sets `RAPPORT_REQUIRE_BROWSER`, so there these tests cannot pass by skipping
    /// (as `lrs.rs` does with Ralph).
    fn start() -> Option<Driver> {
        let Some(exe) = find_program("chromedriver") else {
            let why = "chromedriver is not installed (apt-get install chromium-driver)";
            if std::env::var_os("RAPPORT_REQUIRE_BROWSER").is_some() {
                panic!("RAPPORT_REQUIRE_BROWSER is set but {why}");
            }
            eprintln!("skipped: {why}");
            return None;
        };
        let profiles = tempfile::tempdir().expect("a temporary folder for the phones' profiles");
        // A free port can be taken by another test between finding it and chromedriver binding it (the class
        // servers of the tests beside this one open ports all the time): then chromedriver exits, and it is started
        // again on another port.
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(profiles.path().join("chromedriver.log")).expect("a log file");
            let mut command = Command::new(&exe);
            command
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdout(Stdio::null())
                .stderr(log);
            // Its own process group, which the browsers it starts inherit: a test that fails before closing its
            // phones still takes their browsers down with it (see Drop).
            #[cfg(unix)]
            std::os::unix::process::CommandExt::process_group(&mut command, 0);
            let mut child = command.spawn().expect("chromedriver starts");
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let deadline = Instant::now() + PATIENCE;
            loop {
                let running = child.try_wait().is_ok_and(|status| status.is_none());
                if running && TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Some(Driver {
                        child,
                        url: format!("http://127.0.0.1:{port}"),
                        profiles,
                    });
                }
                if !running {
                    break;
                }
                if Instant::now() >= deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("chromedriver listens on port {port}");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("chromedriver exited three times without listening");
    }

    /// A new phone: its own browser with a fresh profile, an iPhone-sized screen (390x844) and touch.
    async fn phone(&self, name: &str) -> Client {
        self.phone_sized(name, 390, 844).await
    }

    async fn phone_sized(&self, name: &str, width: u32, height: u32) -> Client {
        let profile = self.profiles.path().join(name);
        let mut args: Vec<String> = FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let mut options = json!({
            "args": args,
            "mobileEmulation": {
                "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true },
                "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 \
                              (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
            }
        });
        if let Some(chromium) = find_program("chromium") {
            options["binary"] = json!(chromium.display().to_string());
        }
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("chromedriver opens a headless Chromium phone")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// One of chromedriver's own commands (`goog/cdp/execute`: the DevTools protocol), which WebDriver lacks.
#[derive(Debug)]
struct Cdp {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.method, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

async fn cdp(phone: &Client, method: &'static str, params: Value) -> Value {
    phone
        .issue_cmd(Cdp { method, params })
        .await
        .unwrap_or_else(|e| panic!("chromedriver runs {method}: {e}"))
}

/// Where the screenshots go: `$RAPPORT_SHOTS`, else `phone-shots` in the target folder.
fn shots_dir() -> PathBuf {
    let dir = match std::env::var_os("RAPPORT_SHOTS") {
        Some(d) => PathBuf::from(d),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
            .join("phone-shots"),
    };
    std::fs::create_dir_all(&dir).expect("the screenshot folder can be made");
    dir
}

/// A PNG of the whole page at phone width (taller than the screen where the page is), so all of it can be looked at.
async fn shot(phone: &Client, name: &str) {
    let out = cdp(
        phone,
        "Page.captureScreenshot",
        json!({ "format": "png", "captureBeyondViewport": true }),
    )
    .await;
    let data = out["data"].as_str().expect("a screenshot's data");
    let png = base64::engine::general_purpose::STANDARD
        .decode(data)
        .expect("the screenshot is base64");
    let path = shots_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("the screenshot is written");
    eprintln!("screenshot: {}", path.display());
}

/// Switches the phone's colour scheme and waits until the options have finished fading to it (a screenshot
/// taken mid-fade shows colours no student sees).
/// A PNG of what the screen shows now (a page at 200% text is too tall to look at whole).
async fn screen_shot(phone: &Client, name: &str) {
    let png = phone.screenshot().await.expect("a screenshot");
    let path = shots_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("the screenshot is written");
    eprintln!("screenshot: {}", path.display());
}

async fn dark(phone: &Client, on: bool) {
    let scheme = if on { "dark" } else { "light" };
    cdp(
        phone,
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
    )
    .await;
    wait_script(
        phone,
        &format!("the {scheme} scheme settles"),
        &format!(
            "var body = getComputedStyle(document.body).backgroundColor; \
             return matchMedia('(prefers-color-scheme: {scheme})').matches && \
               Array.from(document.querySelectorAll('#list .option:not(.chosen)')).every(function (o) {{ \
                 return getComputedStyle(o).backgroundColor === body; }});"
        ),
    )
    .await;
}

/// How many times the page has asked for the state (its polls, from the browser's own resource timing).
async fn polls(phone: &Client) -> u64 {
    phone
        .execute(
            "return performance.getEntriesByType('resource').filter(function (e) { \
               return e.name.indexOf('/state') > 0; }).length;",
            vec![],
        )
        .await
        .expect("the page runs a script")
        .as_u64()
        .expect("a count")
}

/// Tells the page its tab was hidden (a phone pocketed, another app in front).
async fn hide(phone: &Client) {
    let script = "Object.defineProperty(document, 'hidden', { configurable: true, get: function () { return true; } }); \
                  document.dispatchEvent(new Event('visibilitychange')); return document.hidden;";
    let done = phone.execute(script, vec![]).await.expect("the page runs a script");
    assert_eq!(done, json!(true));
}

/// Waits until `script` returns true in the page.
async fn wait_script(phone: &Client, what: &str, script: &str) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let done = phone.execute(script, vec![]).await.expect("the page runs a script");
        if done == json!(true) {
            return;
        }
        assert!(Instant::now() < deadline, "waited in vain until {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn text_of(phone: &Client, css: &str) -> String {
    match phone.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// Waits until the element `css` shows every one of `needles`; fails naming what it showed instead.
async fn wait_for(phone: &Client, who: &str, css: &str, needles: &[&str]) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = text_of(phone, css).await;
        if needles.iter().all(|n| text.contains(n)) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{who}: `{css}` should say {needles:?} but says {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the room satisfies `done` (a phone's request reaches it a moment after the page shows a tap).
async fn wait_room(room: &SharedRoom, what: &str, done: impl Fn(&Room) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if done(&room.lock().expect("the room's lock")) {
            return;
        }
        assert!(Instant::now() < deadline, "the room should reach: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A moment of a session as the phones see it: a long line, a non-verbal cue, four options with their labels.
fn ballot() -> Ballot {
    let options = [
        (
            "a",
            "Let's look at the thought record you filled in this week.",
            "Homework review",
        ),
        (
            "b",
            "It sounds like part of you wonders whether coming here is worth it at all.",
            "Complex reflection",
        ),
        (
            "c",
            "What would need to happen today for this hour to feel worthwhile to you?",
            "Open question",
        ),
        (
            "d",
            "You're here now, and that took something. We can go at whatever pace suits you.",
            "Affirmation",
        ),
    ];
    Ballot {
        stage: "s3".into(),
        step: 3,
        speaker: "Maya".into(),
        words: "Honestly, I nearly didn't come today. My sister made the appointment, not me, and I don't see \
                how talking about it changes anything."
            .into(),
        nonverbal: "She keeps her coat on and glances at the door.".into(),
        entries: options
            .iter()
            .map(|(key, text, label)| Entry {
                key: (*key).into(),
                text: (*text).into(),
                label: Some((*label).into()),
            })
            .collect(),
    }
}

fn start_class(code: &str) -> (SharedRoom, Server) {
    let room: SharedRoom = Arc::new(Mutex::new(Room::with_code(code)));
    let config = ServerConfig {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
    };
    let server = Server::start(room.clone(), config, Arc::new(|| {})).expect("the class server starts");
    (room, server)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The number a phone says it is ("You're in: phone 7.").
async fn number_of(phone: &Client, who: &str) -> u32 {
    let text = wait_for(phone, who, "#status", &["You're in: phone "]).await;
    text.split("phone ")
        .nth(1)
        .and_then(|rest| rest.split('.').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{who}: a phone number in {text:?}"))
}

/// Taps option `n` (from 1) on a phone.
async fn tap(phone: &Client, n: usize) {
    phone
        .find(Locator::Css(&format!("#list .option:nth-child({n})")))
        .await
        .expect("the option is on the page")
        .click()
        .await
        .expect("the option takes a tap");
}

/// The options a phone shows as chosen (1-based), by the tick and words as well as the checked radio.
async fn chosen(phone: &Client) -> Vec<usize> {
    let marks = phone
        .execute(
            "return Array.from(document.querySelectorAll('#list .option')).map(function (o, i) { \
               var input = o.querySelector('input'); \
               var mine = o.querySelector('.mine'); \
               return [i + 1, input.checked, o.classList.contains('chosen'), \
                       getComputedStyle(mine).display !== 'none' && mine.textContent === 'Your vote']; });",
            vec![],
        )
        .await
        .expect("the page runs a script");
    let mut out = Vec::new();
    for m in marks.as_array().expect("a list") {
        let n = m[0].as_u64().expect("a number") as usize;
        let (checked, marked, said) = (m[1] == json!(true), m[2] == json!(true), m[3] == json!(true));
        assert!(
            checked == marked && marked == said,
            "option {n}: the radio, the border and the words 'Your vote' agree ({m})"
        );
        if checked {
            out.push(n);
        }
    }
    out
}

async fn disabled_options(phone: &Client) -> (usize, usize) {
    let v = phone
        .execute(
            "var i = document.querySelectorAll('#list input'); \
             return [i.length, Array.from(i).filter(function (x) { return x.disabled; }).length];",
            vec![],
        )
        .await
        .expect("the page runs a script");
    (
        v[0].as_u64().expect("a count") as usize,
        v[1].as_u64().expect("a count") as usize,
    )
}

/// What a student must be able to read without scrolling sideways, and what the strict CSP must not have blocked.
async fn assert_fits_and_styled(phone: &Client, who: &str) {
    let v = phone
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth, \
                     parseFloat(getComputedStyle(document.body).fontSize), \
                     document.querySelectorAll('[style]').length];",
            vec![],
        )
        .await
        .expect("the page runs a script");
    let (scroll, inner, font, inline) = (
        v[0].as_f64().expect("a width"),
        v[1].as_f64().expect("a width"),
        v[2].as_f64().expect("a size"),
        v[3].as_u64().expect("a count"),
    );
    assert!(scroll <= inner, "{who}: no sideways scroll ({scroll} > {inner})");
    assert!(
        font >= 18.0,
        "{who}: the stylesheet loaded and the base size is 18px or more ({font})"
    );
    assert_eq!(inline, 0, "{who}: no style= attribute (the CSP forbids inline style)");
    assert_taps(phone, who).await;
}

/// Every option and button a student taps is at least 48 CSS pixels high and wide.
async fn assert_taps(phone: &Client, who: &str) {
    let small = phone
        .execute(
            "return Array.from(document.querySelectorAll('.option, button, a')).filter(function (e) { \
               var r = e.getBoundingClientRect(); \
               return r.width > 0 && (r.width < 48 || r.height < 48); }).map(function (e) { \
               return e.className + ' ' + e.textContent.slice(0, 30); });",
            vec![],
        )
        .await
        .expect("the page runs a script");
    assert_eq!(small, json!([]), "{who}: tap targets under 48px");
}

#[test]
fn three_phones_join_vote_change_their_vote_see_the_lock_reload_and_one_is_removed() {
    let Some(driver) = Driver::start() else { return };
    let (room, server) = start_class("K7QX3M");
    let base = format!("http://{}", server.local_addr());
    let mut server = Some(server);
    runtime().block_on(async {
        // Phone 1 types the address and the code, in lower case, into the join form.
        let p1 = driver.phone("p1").await;
        p1.goto(&format!("{base}/")).await.expect("the join form loads");
        let field = p1.find(Locator::Id("code")).await.expect("the code field");
        for (attr, want) in [
            ("autocapitalize", "characters"),
            ("autocomplete", "off"),
            ("inputmode", "text"),
        ] {
            let got = field.attr(attr).await.expect("an attribute");
            assert_eq!(got.as_deref(), Some(want), "the code field's {attr}");
        }
        let label = text_of(&p1, "label[for=code]").await;
        assert_eq!(label, "Class code", "the code field has a label");
        field.send_keys("k7qx3m").await.expect("the code is typed");
        shot(&p1, "1-join-form").await;
        p1.find(Locator::Css("form button[type=submit]"))
            .await
            .expect("the join button")
            .click()
            .await
            .expect("the join button takes a tap");
        let n1 = number_of(&p1, "phone 1").await;
        let url = p1.current_url().await.expect("a URL");
        assert_eq!(
            url.path(),
            "/c/K7QX3M",
            "the form lands on the class page, code in capitals"
        );

        // Phones 2 and 3 scanned the QR code.
        let p2 = driver.phone("p2").await;
        p2.goto(&format!("{base}/c/K7QX3M"))
            .await
            .expect("the class page loads");
        let n2 = number_of(&p2, "phone 2").await;
        let p3 = driver.phone("p3").await;
        p3.goto(&format!("{base}/c/K7QX3M"))
            .await
            .expect("the class page loads");
        let n3 = number_of(&p3, "phone 3").await;
        let mut numbers = vec![n1, n2, n3];
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(numbers.len(), 3, "three devices, three numbers: {n1} {n2} {n3}");
        assert_eq!(
            room.lock().expect("the room").devices().len(),
            3,
            "each phone joined once"
        );
        for (p, who) in [(&p1, "phone 1"), (&p2, "phone 2"), (&p3, "phone 3")] {
            wait_for(p, who, "#status", &["Wait for the lecturer to open the vote."]).await;
            wait_for(p, who, "#who", &["3 phones joined"]).await;
            assert_fits_and_styled(p, who).await;
        }
        shot(&p2, "2-waiting").await;

        // The lecturer shows the moment: the phones read it, but cannot vote yet.
        room.lock().expect("the room").show(ballot());
        for (p, who) in [(&p1, "phone 1"), (&p2, "phone 2"), (&p3, "phone 3")] {
            wait_for(p, who, "#words", &["I nearly didn't come today"]).await;
            wait_for(p, who, "#hint", &["Voting opens soon"]).await;
            assert_eq!(text_of(p, "#speaker").await, "Maya");
            assert!(text_of(p, "#nonverbal").await.contains("keeps her coat on"));
            assert!(text_of(p, "#list").await.contains("Technique: Complex reflection"));
            assert_eq!(
                disabled_options(p).await,
                (4, 4),
                "{who}: the options wait for the vote"
            );
            assert_fits_and_styled(p, who).await;
        }
        shot(&p1, "3-shown-not-open").await;

        // The vote opens; each phone taps; phone 2 changes its mind.
        assert!(room.lock().expect("the room").open());
        for (p, who) in [(&p1, "phone 1"), (&p2, "phone 2"), (&p3, "phone 3")] {
            wait_for(p, who, "#hint", &["Tap an option to vote"]).await;
            assert_eq!(disabled_options(p).await, (4, 0), "{who}: the options take a tap");
        }
        tap(&p1, 2).await;
        tap(&p2, 1).await;
        tap(&p3, 2).await;
        wait_for(
            &p1,
            "phone 1",
            "#status",
            &["Your vote: option 2.", "You can change it until the lecturer locks."],
        )
        .await;
        wait_for(&p2, "phone 2", "#status", &["Your vote: option 1."]).await;
        wait_for(&p3, "phone 3", "#status", &["Your vote: option 2."]).await;
        wait_room(&room, "three votes", |r| r.tally().voted == 3).await;
        tap(&p2, 3).await;
        wait_for(&p2, "phone 2", "#status", &["Your vote: option 3."]).await;
        wait_room(&room, "phone 2's vote moved to c", |r| r.tally().count("c") == 1).await;
        assert_eq!(chosen(&p1).await, [2]);
        assert_eq!(chosen(&p2).await, [3], "the changed vote is the only one marked");
        assert_eq!(chosen(&p3).await, [2]);
        assert_fits_and_styled(&p1, "phone 1").await;
        shot(&p1, "4-open-voted").await;
        dark(&p2, true).await;
        shot(&p2, "5-open-voted-dark").await;
        dark(&p2, false).await;

        // Phone 1 is pocketed: its tab hidden, it stops polling, so it still shows the vote open when the lecturer
        // locks.
        hide(&p1).await;
        let hidden_at = polls(&p1).await;

        // The lecturer locks: exactly one vote per phone, the changed one counted once, for its new option.
        let tally = room.lock().expect("the room").lock();
        assert_eq!((tally.voted, tally.joined), (3, 3), "one vote per phone: {tally:?}");
        let counts: Vec<(&str, usize)> = tally.counts.iter().map(|(k, n)| (k.as_str(), *n)).collect();
        assert_eq!(counts, [("a", 0), ("b", 2), ("c", 1), ("d", 0)]);
        let p3_from = polls(&p3).await;
        for (p, who) in [(&p2, "phone 2"), (&p3, "phone 3")] {
            wait_for(p, who, "#status", &["Votes are locked."]).await;
        }
        wait_script(
            &p3,
            "phone 3 polls twice more",
            &format!(
                "return performance.getEntriesByType('resource')\
            .filter(function (e) {{ return e.name.indexOf('/state') > 0; }}).length >= {};",
                p3_from + 2
            ),
        )
        .await;
        assert!(
            polls(&p1).await <= hidden_at + 1,
            "a hidden tab does not poll (one request may have been under way)"
        );
        assert_eq!(disabled_options(&p1).await, (4, 0), "phone 1 has not heard of the lock");
        // Taken out of the pocket, its student taps option 3 before the page has asked (the lock came between two
        // polls): the server refuses, and the page says why in plain words, keeps the vote it had, and (shown
        // again, with no timer left to wake it) asks at once and hears of the lock.
        let tapped = p1
            .execute(
                "delete document.hidden; document.dispatchEvent(new Event('visibilitychange')); \
                 document.querySelector('#list .option:nth-child(3) input').click(); return !document.hidden;",
                vec![],
            )
            .await
            .expect("the page runs a script");
        assert_eq!(tapped, json!(true));
        wait_for(
            &p1,
            "phone 1",
            "#status",
            &[
                "Your vote was not counted: voting is not open.",
                "Votes are locked.",
                "Your vote: option 2.",
            ],
        )
        .await;
        assert_eq!(chosen(&p1).await, [2], "the refused tap is not shown as a vote");
        shot(&p1, "6a-vote-refused").await;
        for (p, who, mine) in [(&p1, "phone 1", 2), (&p2, "phone 2", 3), (&p3, "phone 3", 2)] {
            let own = format!("Your vote: option {mine}.");
            wait_for(p, who, "#status", &["Votes are locked. Look at the projector.", &own]).await;
            assert_eq!(disabled_options(p).await, (4, 4), "{who}: no vote after the lock");
            assert_eq!(chosen(p).await, [mine], "{who}: its own vote is still marked");
        }
        shot(&p3, "6-locked").await;

        // Nothing changes while nothing changes: polls that bring the same version leave the page alone, so a
        // screen reader is not interrupted every 1.5 s; the one live region is the status.
        let live = p1
            .execute("return document.querySelectorAll('[aria-live]').length;", vec![])
            .await
            .expect("the page runs a script");
        assert_eq!(live, json!(1), "one live region");
        p1.execute(
            "window.__mutations = 0; window.__polls = function () { \
               return performance.getEntriesByType('resource').filter(function (e) { \
                 return e.name.indexOf('/state') > 0; }).length; }; \
             window.__from = window.__polls(); \
             new MutationObserver(function (m) { window.__mutations += m.length; }).observe(document.body, \
               { subtree: true, childList: true, characterData: true, attributes: true }); return true;",
            vec![],
        )
        .await
        .expect("the page runs a script");
        wait_script(
            &p1,
            "phone 1 polls three more times",
            "return window.__polls() >= window.__from + 3;",
        )
        .await;
        let mutations = p1
            .execute("return window.__mutations;", vec![])
            .await
            .expect("the page runs a script");
        assert_eq!(
            mutations,
            json!(0),
            "polls with an unchanged version change nothing on the page"
        );

        // A phone reloaded is the same device with the same vote: it does not join again.
        p3.refresh().await.expect("phone 3 reloads");
        let status = wait_for(
            &p3,
            "phone 3",
            "#status",
            &["Votes are locked.", "Your vote: option 2."],
        )
        .await;
        wait_for(&p3, "phone 3", "#who", &[&format!("Phone {n3} ")]).await;
        assert!(!status.contains("Joining"), "{status}");
        assert_eq!(
            room.lock().expect("the room").devices().len(),
            3,
            "a reload is not a new device"
        );
        assert_eq!(chosen(&p3).await, [2]);

        // The lecturer removes phone 2: it says so in plain words and stops voting.
        assert!(room.lock().expect("the room").remove(n2));
        wait_for(
            &p2,
            "phone 2",
            "#status",
            &["The lecturer removed this phone from the class."],
        )
        .await;
        assert_eq!(
            text_of(&p2, "#stage").await,
            "",
            "a removed phone shows the stage no more"
        );
        shot(&p2, "7-removed").await;

        // The reveal: the feedback is on the projector, never on a phone.
        room.lock().expect("the room").reveal();
        assert_eq!(room.lock().expect("the room").phase(), Phase::Revealed);
        wait_for(
            &p1,
            "phone 1",
            "#status",
            &["The move was played. The feedback is on the projector."],
        )
        .await;
        shot(&p1, "8-revealed").await;

        // The class ends (or the phone left the Wi-Fi): the page says it cannot reach the class, and what to try.
        if let Some(s) = server.take() {
            s.stop();
        }
        wait_for(
            &p1,
            "phone 1",
            "#status",
            &[
                "Can't reach the class.",
                "Is your phone on the same Wi-Fi as the projector?",
                "hotspot",
            ],
        )
        .await;
        shot(&p1, "12-unreachable").await;

        for p in [p1, p2, p3] {
            p.close().await.expect("the phone's browser closes");
        }
    });
}

#[test]
fn a_wrong_code_says_no_class_is_open_with_it() {
    let Some(driver) = Driver::start() else { return };
    let (_room, server) = start_class("K7QX3M");
    let base = format!("http://{}", server.local_addr());
    runtime().block_on(async {
        let p = driver.phone("wrong").await;
        p.goto(&format!("{base}/c/K7QX3N")).await.expect("the page loads");
        wait_for(&p, "a phone", "body", &["No class is open with that code"]).await;
        shot(&p, "9-wrong-code").await;
        p.find(Locator::Css("a[href='/']"))
            .await
            .expect("a link back to the join form")
            .click()
            .await
            .expect("the link takes a tap");
        let field = p.find(Locator::Id("code")).await.expect("the join form's code field");
        field.send_keys("k7qx3n").await.expect("the code is typed");
        p.find(Locator::Css("form button[type=submit]"))
            .await
            .expect("the join button")
            .click()
            .await
            .expect("the join button takes a tap");
        wait_for(&p, "a phone", "body", &["No class is open with that code"]).await;
        p.close().await.expect("the phone's browser closes");
    });
    server.stop();
}

#[test]
fn the_vote_fits_a_320_pixel_phone_at_twice_the_text_size() {
    let Some(driver) = Driver::start() else { return };
    let (room, server) = start_class("K7QX3M");
    let base = format!("http://{}", server.local_addr());
    runtime().block_on(async {
        // 320 CSS pixels: the narrowest phone screen in common use (a first iPhone SE, small Androids).
        let p = driver.phone_sized("narrow", 320, 568).await;
        p.goto(&format!("{base}/c/K7QX3M")).await.expect("the class page loads");
        number_of(&p, "a small phone").await;
        {
            let mut r = room.lock().expect("the room");
            r.show(ballot());
            r.open();
        }
        wait_for(&p, "a small phone", "#hint", &["Tap an option to vote"]).await;
        tap(&p, 4).await;
        wait_for(&p, "a small phone", "#status", &["Your vote: option 4."]).await;
        assert_fits_and_styled(&p, "a small phone").await;
        // Text at 200% as a phone's larger-text setting sets it (the page's own sizes are relative to the root).
        p.execute("document.documentElement.style.fontSize = '225%'; return true;", vec![])
            .await
            .expect("the page runs a script");
        let v = p
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth, \
                         parseFloat(getComputedStyle(document.getElementById('words')).fontSize)];",
                vec![],
            )
            .await
            .expect("the page runs a script");
        let (scroll, inner, words) = (
            v[0].as_f64().expect("a width"),
            v[1].as_f64().expect("a width"),
            v[2].as_f64().expect("a size"),
        );
        assert_eq!(inner, 320.0, "the screen is 320 CSS pixels wide");
        assert!(
            scroll <= inner,
            "no sideways scroll at 320px and 200% text ({scroll} > {inner})"
        );
        assert!(words >= 36.0, "the client's words grow with the text size ({words}px)");
        assert_taps(&p, "a small phone at 200% text").await;
        assert_eq!(chosen(&p).await, [4]);
        p.execute("window.scrollTo(0, 0); return true;", vec![])
            .await
            .expect("scrolls");
        screen_shot(&p, "10-320px-text-200-top").await;
        p.execute(
            "document.querySelector('.option.chosen').scrollIntoView(); return true;",
            vec![],
        )
        .await
        .expect("scrolls");
        screen_shot(&p, "11-320px-text-200-vote").await;
        p.close().await.expect("the phone's browser closes");
    });
    server.stop();
}
