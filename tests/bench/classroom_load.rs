//! Benchmark: 300 phones join and vote at once, then poll 3,000 times, while a 60 fps loop reads the tally. Run with `cargo bench --no-default-features --bench classroom_load`.

mod http_client;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_client::{request, send};
use rapport::engine::classroom::{Ballot, Entry, Room, Server, ServerConfig, SharedRoom};

const CODE: &str = "K7QX3M";
const VOTERS: usize = 300;
const POLLS: usize = 3_000;

/// The process's resident memory, from /proc/self/status (Linux), in KiB.
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("unknown".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn latencies(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label}: {} requests, latency p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        v.len(),
        ms(percentile(&v, 0.5)),
        ms(percentile(&v, 0.95)),
        ms(v.last().copied().unwrap_or_default())
    );
}

/// The phone `n`'s own loopback address, as 300 phones on a Wi-Fi each have their own.
fn phone(n: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 1 + (n / 200) as u8, 1 + (n % 200) as u8))
}

fn ballot() -> Ballot {
    Ballot {
        stage: "s1".into(),
        step: 1,
        speaker: "Maya".into(),
        words: "I don't know why I'm here. My GP said I should come.".into(),
        nonverbal: "Sits on the edge of the chair, coat still on.".into(),
        entries: ["a", "b", "c", "d"]
            .iter()
            .map(|k| Entry {
                key: (*k).into(),
                text: format!("The therapist's words for option {k}, about as long as a real reply would be."),
                label: Some("Reflection".into()),
            })
            .collect(),
    }
}

/// Sends one request, timing it; a failure is reported with the request.
async fn timed(server: SocketAddr, from: IpAddr, raw: Vec<u8>) -> (Duration, u16, serde_json::Value) {
    let t = Instant::now();
    let r = send(server, from, raw).await.expect("the server answers");
    (t.elapsed(), r.status, r.json())
}

fn main() {
    let rss_before = rss_kib();
    let room: SharedRoom = Arc::new(Mutex::new(Room::with_code(CODE)));
    {
        let mut r = room.lock().expect("the room's lock");
        r.show(ballot());
        r.open();
    }
    let config = ServerConfig {
        bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
    };
    let server = Server::start(room.clone(), config, Arc::new(|| {})).expect("the server starts");
    let addr = server.local_addr();
    let rss_started = rss_kib();

    // The presenter view's frame loop: every 16 ms it locks the room and reads the tally, as the projector's
    // live split does. Its longest gap says whether the server ever held the room long enough to drop frames.
    let running = Arc::new(AtomicBool::new(true));
    let frames = {
        let room = room.clone();
        let running = running.clone();
        std::thread::spawn(move || {
            let mut longest = Duration::ZERO;
            let mut longest_wait = Duration::ZERO;
            let mut count = 0usize;
            let mut last = Instant::now();
            while running.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let voted = room.lock().map(|r| r.tally().voted).unwrap_or(0);
                longest_wait = longest_wait.max(asked.elapsed());
                std::hint::black_box(voted);
                let now = Instant::now();
                longest = longest.max(now - last);
                last = now;
                count += 1;
                std::thread::sleep(Duration::from_millis(16));
            }
            (longest, longest_wait, count)
        })
    };

    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a client runtime");

    let t0 = Instant::now();
    let (tokens, vote_latencies) = client.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..VOTERS {
            tasks.spawn(async move {
                let from = phone(n);
                let key = ["a", "b", "c", "d"][n % 4];
                let mut lat = Vec::new();
                let (d, s, j) = timed(addr, from, request("POST", &format!("/c/{CODE}/join"), None, "")).await;
                assert_eq!(s, 200, "join {n}: {j}");
                lat.push(d);
                let token = j["device"].as_str().expect("a token").to_owned();
                let (d, s, _) = timed(
                    addr,
                    from,
                    request("GET", &format!("/c/{CODE}/state"), Some(&token), ""),
                )
                .await;
                assert_eq!(s, 200, "state {n}");
                lat.push(d);
                let body = serde_json::json!({ "stage": "s1", "option": key }).to_string();
                let (d, s, _) = timed(
                    addr,
                    from,
                    request("POST", &format!("/c/{CODE}/vote"), Some(&token), &body),
                )
                .await;
                assert_eq!(s, 200, "vote {n}");
                lat.push(d);
                (n, token, lat)
            });
        }
        let mut tokens = vec![String::new(); VOTERS];
        let mut all = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let (n, token, lat) = done.expect("a voter finishes");
            tokens[n] = token;
            all.extend(lat);
        }
        (tokens, all)
    });
    let t_vote = t0.elapsed();
    let rss_voters = rss_kib();
    let tally = room.lock().expect("the room's lock").tally();
    assert_eq!((tally.voted, tally.joined), (VOTERS, VOTERS));

    let t1 = Instant::now();
    let poll_latencies = client.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (n, token) in tokens.into_iter().enumerate() {
            tasks.spawn(async move {
                let mut lat = Vec::new();
                for _ in 0..POLLS / VOTERS {
                    let (d, s, _) = timed(
                        addr,
                        phone(n),
                        request("GET", &format!("/c/{CODE}/state"), Some(&token), ""),
                    )
                    .await;
                    assert_eq!(s, 200, "poll {n}");
                    lat.push(d);
                }
                lat
            });
        }
        let mut all = Vec::new();
        while let Some(done) = tasks.join_next().await {
            all.extend(done.expect("a poller finishes"));
        }
        all
    });
    let t_poll = t1.elapsed();
    let rss_polls = rss_kib();
    running.store(false, Ordering::Relaxed);
    let (longest_gap, longest_wait, frame_count) = frames.join().expect("the frame loop ends");
    server.stop();

    println!(
        "{VOTERS} voters (each from its own loopback address, one connection per request) joined, read the state and voted in {:.0} ms",
        t_vote.as_secs_f64() * 1e3
    );
    latencies("  join + state + vote", vote_latencies);
    println!("{POLLS} further state polls in {:.0} ms", t_poll.as_secs_f64() * 1e3);
    latencies("  state polls", poll_latencies);
    println!(
        "RSS: {} before the class, {} with the server started, {} after {VOTERS} voters, {} after {POLLS} polls",
        mib(rss_before),
        mib(rss_started),
        mib(rss_voters),
        mib(rss_polls)
    );
    println!(
        "frame loop (lock the room, read the tally, every 16 ms): {frame_count} frames, longest gap {:.1} ms, \
longest wait for the room's lock and the tally {:.3} ms",
        longest_gap.as_secs_f64() * 1e3,
        longest_wait.as_secs_f64() * 1e3
    );
    println!(
        "tally: {:?} (voted {}, joined {})",
        tally.counts, tally.voted, tally.joined
    );
}
