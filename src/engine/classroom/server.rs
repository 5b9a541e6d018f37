//! The LAN vote server: serves the phone page and the room's vote over HTTP while a class session is open.
//!
//! It runs on its own thread with its own tokio runtime, so the app's frame loop never waits on the network;
//! the only thing the two share is the [`SharedRoom`] mutex, held for microseconds on either side.
//!
//! What a peer on a shared network can do is bounded at every layer:
//! - the listener lives only as long as the [`Server`]: stopping it drops the socket and every connection;
//! - hyper reads at most [`MAX_HEADER_BYTES`] of request line and headers ([`MAX_HEADERS`] of them) within
//!   [`HEADER_READ_TIMEOUT`] (slowloris; the same timeout closes an idle keep-alive connection); bodies are read
//!   up to [`MAX_BODY`] within [`BODY_READ_TIMEOUT`]; URIs over [`MAX_URI`] are refused;
//! - at most [`MAX_CONNECTIONS`] connections and [`MAX_IN_FLIGHT`] requests at once: beyond that a request is
//!   answered 503 at once (load shedding) rather than queued;
//! - the join code is checked on every path under `/c/`; wrong codes are counted per address (see
//!   [`WRONG_CODES_PER_MINUTE`] for why guessing is hopeless); joins are limited per address and requests per
//!   device token;
//! - the routes are a fixed list and none names a stage or a file: the state is [`Room::view`], which holds
//!   the stage on show and nothing else.
//!
//! [`Room::view`]: super::Room::view

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Deserialize;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinSet;
use tower::Service;

use super::limits::{Buckets, Flood, Strikes, client_key};
use super::{Refusal, Room, SharedRoom};

/// The port the server asks for first (unassigned by IANA); if it is taken an ephemeral port is used.
pub const DEFAULT_PORT: u16 = 8377;
/// A request body (a vote is about 40 bytes of JSON).
pub const MAX_BODY: usize = 1024;
/// A request's path and query (the longest real one is `/c/XXXXXX/class.css`, or the join form's query).
pub const MAX_URI: usize = 256;
/// The request line and headers together. A phone's browser sends about 1 KiB.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;
/// How many headers a request may carry. A phone's browser sends about 15.
pub const MAX_HEADERS: usize = 40;
/// Time to send the request line and headers, and how long an idle keep-alive connection stays open (a phone
/// polls every 1.5 s, so its connection is reused; a hidden tab's is closed).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Time to send a body of at most [`MAX_BODY`] bytes.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Open connections at once: two per phone for the largest room ([`super::room::CAPACITY`]) with room to spare.
pub const MAX_CONNECTIONS: usize = 1024;
/// Requests being handled at once. A request takes microseconds of work (one lock of the room), so this is
/// only reached by a flood; it is above 300 phones all asking at the same instant.
pub const MAX_IN_FLIGHT: usize = 512;
/// A connection older than this is asked to close after its current request (the phone reconnects at once),
/// so no peer holds a connection slot forever.
pub const MAX_CONNECTION_AGE: Duration = Duration::from_secs(300);
/// Wrong join codes an address may send in [`STRIKE_WINDOW`] before it is refused for [`STRIKE_BLOCK`].
///
/// A code has 25^6 = 244,140,625 values. At 20 guesses a minute an address tries 1,200 codes in an hour-long
/// class: a chance of 1,200 / 244,140,625 = 1 in 203,000 of finding it. Even every address of a /24 campus
/// subnet guessing at once (254 x 1,200 = 305,000 guesses an hour) has a 1 in 800 chance, and the
/// lecturer sees every device that joins and can remove it. Guesses spread over many addresses are bounded
/// by [`WRONG_CODES_PER_MINUTE_ALL`].
pub const WRONG_CODES_PER_MINUTE: u32 = 20;
pub const STRIKE_WINDOW: Duration = Duration::from_secs(60);
/// Wrong join codes from all addresses together in [`STRIKE_WINDOW`]; beyond it no code is checked until the
/// window ends (phones already in the class go on: their device token vouches for them). Whatever the number
/// of addresses, that is 18,000 guesses an hour: a 1 in 13,500 chance in an hour-long class.
pub const WRONG_CODES_PER_MINUTE_ALL: u32 = 300;
pub const STRIKE_BLOCK: Duration = Duration::from_secs(600);
/// Requests per device token: a burst of this many, then [`DEVICE_PER_SECOND`]. A phone polls the state every
/// 1.5 s (0.67 a second) and votes a few times a stage; a script flooding the server gets 429.
pub const DEVICE_BURST: u32 = 20;
pub const DEVICE_PER_SECOND: f64 = 2.0;
/// Joins per address: a burst of this many, then one every [`JOIN_EVERY`]. A phone joins once per class (it
/// keeps its token); a student who clears the browser's storage joins again. A script cannot fill the room.
pub const JOIN_BURST: u32 = 5;
pub const JOIN_EVERY: Duration = Duration::from_secs(12);
/// Addresses and tokens remembered by the limits (each table is bounded: see `limits`).
const TRACKED: usize = 4096;

/// The header a phone sends its device token in.
pub const DEVICE_HEADER: &str = "x-rapport-device";

/// Where the server listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    /// Default 0.0.0.0: every interface, so phones on the Wi-Fi reach it.
    pub bind: IpAddr,
    /// Default [`DEFAULT_PORT`]; if taken, an ephemeral port. 0 asks for an ephemeral port at once.
    pub port: u16,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: DEFAULT_PORT,
        }
    }
}

/// The bounds that depend on the machine and the room rather than on HTTP: [`Bounds::default`] is what the app
/// uses; tests shrink them to reach each bound with a handful of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Open connections at once ([`MAX_CONNECTIONS`]).
    pub connections: usize,
    /// Requests being handled at once ([`MAX_IN_FLIGHT`]).
    pub in_flight: usize,
    /// [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// [`BODY_READ_TIMEOUT`].
    pub body_read_timeout: Duration,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds {
            connections: MAX_CONNECTIONS,
            in_flight: MAX_IN_FLIGHT,
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
        }
    }
}

/// The running server. Dropping it stops it.
pub struct Server {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// What every request handler shares.
struct Shared {
    room: SharedRoom,
    wake: Arc<dyn Fn() + Send + Sync>,
    in_flight: Arc<Semaphore>,
    bounds: Bounds,
    limits: Mutex<Limits>,
}

struct Limits {
    wrong_codes: Strikes,
    flood: Flood,
    joins: Buckets<IpAddr>,
    devices: Buckets<String>,
}

impl Shared {
    fn limits(&self) -> std::sync::MutexGuard<'_, Limits> {
        // A panic while holding the limits leaves counters, not a broken invariant: carry on with them.
        self.limits.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn room(&self) -> std::sync::MutexGuard<'_, Room> {
        self.room.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Server {
    /// Starts listening on a background thread with its own tokio runtime; returns once the socket is bound.
    pub fn start(room: SharedRoom, config: ServerConfig, wake: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<Server> {
        Server::start_bounded(room, config, Bounds::default(), wake)
    }

    /// [`Server::start`] with other [`Bounds`].
    pub fn start_bounded(
        room: SharedRoom,
        config: ServerConfig,
        bounds: Bounds,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("rapport-class-server")
            .enable_io()
            .enable_time()
            .build()?;
        let listener = {
            // Binding needs the runtime's reactor; it is done here so a bind error reaches the caller.
            let _entered = runtime.enter();
            match bind(config.bind, config.port) {
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && config.port != 0 => bind(config.bind, 0)?,
                other => other?,
            }
        };
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            room,
            wake,
            in_flight: Arc::new(Semaphore::new(bounds.in_flight)),
            bounds,
            limits: Mutex::new(Limits {
                wrong_codes: Strikes::new(WRONG_CODES_PER_MINUTE, STRIKE_WINDOW, STRIKE_BLOCK, TRACKED),
                flood: Flood::new(WRONG_CODES_PER_MINUTE_ALL, STRIKE_WINDOW),
                joins: Buckets::new(JOIN_BURST, 1.0 / JOIN_EVERY.as_secs_f64(), TRACKED),
                devices: Buckets::new(DEVICE_BURST, DEVICE_PER_SECOND, TRACKED),
            }),
        });
        let router = router(shared);
        let (tx, rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name("rapport-class-server".into())
            .spawn(move || {
                runtime.block_on(accept_loop(listener, router, bounds, rx));
                // Dropping the runtime here, off the caller's thread, ends every task it still holds.
                drop(runtime);
            })?;
        Ok(Server {
            addr,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening and closes every connection; after it returns, the port refuses connections.
    pub fn stop(self) {
        // Drop does it.
    }

    fn shut_down(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            // The thread only ends the accept loop and drops its runtime; a panic in it has already been
            // reported on stderr and leaves nothing to clean up here.
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn bind(ip: IpAddr, port: u16) -> std::io::Result<TcpListener> {
    let socket = match ip {
        IpAddr::V4(_) => TcpSocket::new_v4()?,
        IpAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // A class closed and reopened at once finds its port in TIME_WAIT: reusing it is safe for a listener.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::new(ip, port))?;
    // A backlog for a whole lecture hall scanning the QR code at the same moment.
    socket.listen(1024)
}

/// What a connection over [`MAX_CONNECTIONS`] is told before it is closed.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\
cache-control: no-store\r\nx-content-type-options: nosniff\r\nreferrer-policy: no-referrer\r\nretry-after: 2\r\n\r\n";

async fn accept_loop(listener: TcpListener, router: Router, bounds: Bounds, mut shutdown: oneshot::Receiver<()>) {
    let connections = Arc::new(Semaphore::new(bounds.connections));
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(_) => {
                        // Out of file descriptors, or a connection reset before it was accepted: wait a
                        // little rather than spin, and go on.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                match connections.clone().try_acquire_owned() {
                    Ok(permit) => {
                        tasks.spawn(serve_connection(stream, peer, router.clone(), bounds.header_read_timeout, permit));
                    }
                    Err(_) => {
                        // One non-blocking write, no task: a flood of connections costs nothing to refuse.
                        let _ = stream.try_write(BUSY);
                    }
                }
            }
        }
        // Forget finished connections so the set does not grow.
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    header_read_timeout: Duration,
    _permit: tokio::sync::OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        let mut router = router.clone();
        async move { router.call(req).await }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .max_header_size(MAX_HEADER_BYTES)
        .max_headers(MAX_HEADERS)
        .max_buf_size(MAX_HEADER_BYTES.max(8192) * 2);
    let conn = http.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = tokio::time::sleep(MAX_CONNECTION_AGE) => {
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(header_read_timeout, conn).await;
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(join_page))
        .route("/c", get(join_form))
        .route("/c/{code}", get(class_page))
        .route("/c/{code}/class.js", get(class_js))
        .route("/c/{code}/class.css", get(class_css))
        .route("/c/{code}/join", post(join))
        .route("/c/{code}/state", get(state))
        .route("/c/{code}/vote", post(vote))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

const CSP_STRICT: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// The join page's and the wrong-code page's style is one inline element (they have no code in their URL to
/// link a stylesheet under); they hold no class data and no script, so an inline style cannot be turned against
/// anything.
const CSP_JOIN: &str = "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; \
connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const JOIN_HTML: &str = include_str!("phone/join.html");
const CLASS_HTML: &str = include_str!("phone/class.html");
const CLASS_JS: &str = include_str!("phone/class.js");
const CLASS_CSS: &str = include_str!("phone/class.css");
const WRONG_CODE_HTML: &str = include_str!("phone/wrong-code.html");

/// Runs around every request: the bounds that hold for every path, the join code, and the headers every
/// response carries.
async fn guard(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    // A body announced larger than the bound is refused before a byte of it is read.
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut response = if req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI {
        error(StatusCode::URI_TOO_LONG, "the address is too long")
    } else if announced.is_some_and(|n| n > MAX_BODY as u64) {
        Deny::TooLarge.into_response()
    } else {
        match shared.in_flight.clone().try_acquire_owned() {
            Err(_) => {
                let mut r = error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the class is busy; try again in a moment",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                r
            }
            Ok(_permit) => match admit(&shared, peer.ip(), &path, req.headers()) {
                Err(deny) => deny.into_response(),
                Ok(()) => next.run(req).await,
            },
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let html = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html && !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP_STRICT));
    }
    response
}

/// The join code on every path under `/c/` but the join form's redirect, and the block on an address that
/// guessed too many codes.
fn admit(shared: &Shared, ip: IpAddr, path: &str, headers: &HeaderMap) -> Result<(), Deny> {
    let now = Instant::now();
    if path != "/" && shared.limits().wrong_codes.blocked(ip, now) {
        return Err(Deny::Guessing);
    }
    let Some(rest) = path.strip_prefix("/c/") else {
        return Ok(());
    };
    let (code, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let flooded = shared.limits().flood.flooded(now);
    {
        let room = shared.room();
        if flooded && token(headers).is_none_or(|t| room.view(t).is_err()) {
            return Err(Deny::Flood);
        }
        if room.admits(code) {
            return Ok(());
        }
    }
    let mut limits = shared.limits();
    limits.wrong_codes.strike(ip, now);
    limits.flood.count(now);
    Err(Deny::WrongCode {
        api: matches!(tail, "join" | "state" | "vote"),
    })
}

/// Why a request is answered without its handler's work, each with its status and sentence.
#[derive(Debug)]
enum Deny {
    /// The address sent too many wrong codes.
    Guessing,
    /// All addresses together sent too many wrong codes.
    Flood,
    WrongCode {
        /// The phone page's script asked (it reads JSON), rather than a browser loading a page.
        api: bool,
    },
    Room(Refusal),
    TooMany,
    TooLarge,
    TooSlow,
}

impl IntoResponse for Deny {
    fn into_response(self) -> Response {
        let (status, message, retry) = match self {
            Deny::Guessing => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many wrong codes from this network address; wait a few minutes".to_owned(),
                Some("600"),
            ),
            Deny::Flood => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many wrong codes on this network just now; wait a minute".to_owned(),
                Some("60"),
            ),
            Deny::WrongCode { api: false } => return wrong_code_page(),
            Deny::WrongCode { api: true } => (
                StatusCode::NOT_FOUND,
                "no class is open with that code".to_owned(),
                None,
            ),
            Deny::Room(r) => {
                let status = match r {
                    Refusal::UnknownDevice => StatusCode::UNAUTHORIZED,
                    Refusal::Removed => StatusCode::FORBIDDEN,
                    Refusal::Full => StatusCode::SERVICE_UNAVAILABLE,
                    Refusal::NotOpen | Refusal::WrongStage => StatusCode::CONFLICT,
                    Refusal::UnknownOption => StatusCode::UNPROCESSABLE_ENTITY,
                };
                (status, r.to_string(), None)
            }
            Deny::TooMany => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many requests from this phone; slow down".to_owned(),
                Some("2"),
            ),
            Deny::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request is too large".to_owned(),
                None,
            ),
            Deny::TooSlow => (
                StatusCode::REQUEST_TIMEOUT,
                "the request took too long to send".to_owned(),
                None,
            ),
        };
        let mut r = error(status, &message);
        if let Some(seconds) = retry {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(seconds));
        }
        r
    }
}

fn wrong_code_page() -> Response {
    html(StatusCode::NOT_FOUND, WRONG_CODE_HTML.to_owned(), CSP_JOIN)
}

fn html(status: StatusCode, body: String, csp: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        body,
    )
        .into_response()
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    json(status, &serde_json::json!({ "error": message }))
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found\n",
    )
        .into_response()
}

async fn join_page() -> Response {
    html(StatusCode::OK, JOIN_HTML.to_owned(), CSP_JOIN)
}

#[derive(Deserialize)]
struct JoinForm {
    #[serde(default)]
    code: String,
}

/// The join form's target (a form works without JavaScript): `/c?code=k7qx3m` -> `/c/K7QX3M`.
async fn join_form(query: Result<Query<JoinForm>, QueryRejection>) -> Response {
    let typed = query.map(|Query(f)| f.code).unwrap_or_default();
    // What a student may type around the code: spaces, a dash, lower case.
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.is_empty() {
        return redirect("/");
    }
    // Only letters and digits go into the Location header, so nothing typed can redirect elsewhere.
    if code.len() > 16 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return wrong_code_page();
    }
    redirect(&format!("/c/{code}"))
}

fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
        Err(_) => wrong_code_page(),
    }
}

async fn class_page(State(shared): State<Arc<Shared>>) -> Response {
    // The code is letters and digits of the code alphabet: nothing to escape in HTML.
    let code = shared.room().code().to_owned();
    html(StatusCode::OK, CLASS_HTML.replace("{{code}}", &code), CSP_STRICT)
}

async fn class_js() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], CLASS_JS).into_response()
}

async fn class_css() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CLASS_CSS).into_response()
}

/// Reads a body of at most [`MAX_BODY`] bytes, in at most [`BODY_READ_TIMEOUT`].
async fn read_body(shared: &Shared, body: Body) -> Result<Bytes, Deny> {
    let limit = shared.bounds.body_read_timeout;
    match tokio::time::timeout(limit, axum::body::to_bytes(body, MAX_BODY)).await {
        Err(_) => Err(Deny::TooSlow),
        Ok(Err(_)) => Err(Deny::TooLarge),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// A refusal of the room, counting an unknown token like a wrong code: a token is 128 random bits, so an
/// unknown one is a stale phone or a guess, and counting it also bounds a flood of them.
fn refused(shared: &Shared, ip: IpAddr, refusal: Refusal) -> Deny {
    if refusal == Refusal::UnknownDevice {
        shared.limits().wrong_codes.strike(ip, Instant::now());
    }
    Deny::Room(refusal)
}

/// The device token a request carries; an absent or malformed one is an unknown device.
fn token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(DEVICE_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty() && t.len() <= 64)
}

/// Checks the token against the room, then the device's rate (in that order, so only tokens the room knows
/// take a place in the rate table).
fn device<'h>(shared: &Shared, ip: IpAddr, headers: &'h HeaderMap) -> Result<&'h str, Deny> {
    let Some(token) = token(headers) else {
        return Err(refused(shared, ip, Refusal::UnknownDevice));
    };
    let known = shared.room().view(token).map(|_| ());
    if let Err(r) = known {
        return Err(refused(shared, ip, r));
    }
    if !shared.limits().devices.take(&token.to_owned(), Instant::now()) {
        return Err(Deny::TooMany);
    }
    Ok(token)
}

async fn join(State(shared): State<Arc<Shared>>, ConnectInfo(peer): ConnectInfo<SocketAddr>, body: Body) -> Response {
    if let Err(deny) = read_body(&shared, body).await {
        return deny.into_response();
    }
    let ip = peer.ip();
    if !shared.limits().joins.take(&client_key(ip), Instant::now()) {
        return Deny::TooMany.into_response();
    }
    let joined = {
        let mut room = shared.room();
        room.join(ip)
            .and_then(|token| room.view(&token).map(|v| v.you).map(|you| (token, you)))
    };
    match joined {
        Ok((token, you)) => {
            (shared.wake)();
            json(StatusCode::OK, &serde_json::json!({ "device": token, "you": you }))
        }
        Err(r) => refused(&shared, ip, r).into_response(),
    }
}

async fn state(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let token = match device(&shared, peer.ip(), &headers) {
        Ok(t) => t,
        Err(deny) => return deny.into_response(),
    };
    let body = {
        let room = shared.room();
        room.view(token).map(|v| serde_json::to_string(&v))
    };
    match body {
        Ok(Ok(text)) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Ok(Err(_)) => error(StatusCode::INTERNAL_SERVER_ERROR, "the state could not be written"),
        Err(r) => refused(&shared, peer.ip(), r).into_response(),
    }
}

#[derive(Deserialize)]
struct VoteBody {
    stage: String,
    option: String,
}

async fn vote(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match read_body(&shared, body).await {
        Ok(b) => b,
        Err(deny) => return deny.into_response(),
    };
    let token = match device(&shared, peer.ip(), &headers) {
        Ok(t) => t,
        Err(deny) => return deny.into_response(),
    };
    let Ok(v) = serde_json::from_slice::<VoteBody>(&bytes) else {
        return error(
            StatusCode::BAD_REQUEST,
            "a vote is JSON {\"stage\": ..., \"option\": ...}",
        );
    };
    let result = {
        let mut room = shared.room();
        let before = room.version();
        room.vote(token, &v.stage, &v.option).map(|()| room.version() != before)
    };
    match result {
        Ok(changed) => {
            if changed {
                (shared.wake)();
            }
            json(StatusCode::OK, &serde_json::json!({ "your_vote": v.option }))
        }
        Err(r) => refused(&shared, peer.ip(), r).into_response(),
    }
}
