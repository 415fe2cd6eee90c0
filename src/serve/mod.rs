//! `senco serve`: build, serve on 127.0.0.1, rebuild on change, reload open pages.
//!
//! Each rebuild goes into a fresh generation folder and the server switches to it only
//! when it is complete, so no request ever sees a half-written build. The reload script
//! is added to pages as they are served; it never exists in built output. With
//! `--review`, so is a form for recording judgements ([`review`]).

pub mod review;

use crate::check::{CheckOptions, Memo};
use crate::error::{ErrorKind, FatalError};
use crate::render::{self, BuildOptions, Built, Generation};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify_debouncer_full::notify::RecursiveMode;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

/// How long the watcher waits for a burst of file events to end before rebuilding. An
/// editor's save is a few events within a few milliseconds; this is part of the time
/// from saving to seeing the page, so kept short. A burst that outlasts it costs one
/// more (incremental) rebuild, no more.
const DEBOUNCE: Duration = Duration::from_millis(25);

/// Connections served at once: a browser opens about six per site, plus one per open tab
/// for the reload events.
pub(crate) const MAX_CONNECTIONS: usize = 64;
/// A request's headers must arrive within this, and so must the next request on a
/// kept-alive connection.
pub(crate) const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection on which no byte moves either way for this long is closed (the reload
/// events send a keep-alive every 15 seconds).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

const EVENTS_PATH: &str = "/__senco/events";
/// Reloads the page when a rebuild is announced, but not once a form is sent: a
/// judgement posted from the page triggers a rebuild, and reloading then would abort
/// the post's own way back to the page.
const RELOAD_JS: &str = "var senco=new EventSource(\"/__senco/events\");senco.onmessage=function(){location.reload()};addEventListener(\"submit\",function(){senco.close()});";
const RELOAD_SCRIPT: &str = "<script>var senco=new EventSource(\"/__senco/events\");senco.onmessage=function(){location.reload()};addEventListener(\"submit\",function(){senco.close()});</script>";

/// The policy of pages as served: that of files on disk, plus the reload script (by its
/// hash, so no other script runs), its event stream from this server, and, only while
/// reviewing, forms to it.
fn serve_policy(reviewing: bool) -> String {
    use base64::Engine as _;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(RELOAD_JS.as_bytes()));
    format!(
        "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'sha256-{hash}'; connect-src 'self'; base-uri 'none'; form-action {}",
        if reviewing { "'self'" } else { "'none'" }
    )
}

/// What `senco serve` serves and how.
pub struct ServeOptions {
    /// The portfolio folder.
    pub root: PathBuf,
    /// The loopback port to listen on (0: any free one).
    pub port: u16,
    /// How every rebuild checks the portfolio.
    pub check: CheckOptions,
    /// Open the preview in the browser once it is listening.
    pub open: bool,
    /// `--review`: serve a form for judgements on evidence and indicator pages.
    pub review: Option<review::ReviewMode>,
}

/// Prints a build's problems on standard error, as `senco build` does, then one line
/// saying what was built and how long it took.
fn print_built(result: Result<Built, FatalError>, what: &str, start: Instant) {
    let mut err = anstream::stderr().lock();
    match result {
        Ok(built) => {
            for d in &built.diagnostics {
                let _ = crate::report::write_diagnostic(&mut err, d);
            }
            let count = |severity| {
                built
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == severity)
                    .count()
            };
            use crate::error::diagnostic::Severity;
            let _ = writeln!(
                err,
                "{what} {} of {} pages in {} ms: {} errors, {} warnings, {} hints",
                built.rendered,
                built.pages,
                start.elapsed().as_millis(),
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Hint)
            );
        }
        Err(e) => {
            let _ = crate::report::write_fatal(&mut err, &e);
        }
    }
}

/// What the server shows now.
#[derive(Clone)]
enum Current {
    Site(PathBuf),
    Failed(String),
}

/// Builds a portfolio again and again, each time into a new folder, re-parsing and
/// re-rendering only what changed since the last build and hard-linking the other pages
/// from it. The output is the same, byte for byte, as a fresh `senco build`.
#[derive(Default)]
pub struct Rebuilder {
    /// The last successful build: the check's memo and the pages, whose folder must
    /// still exist, unchanged, for the next build to link from.
    last: Option<(Memo, Generation)>,
    options: CheckOptions,
}

impl Rebuilder {
    /// A rebuilder that has built nothing yet: the first build is a full one.
    pub fn new() -> Rebuilder {
        Rebuilder::default()
    }

    /// A rebuilder whose every check uses `options`.
    pub(crate) fn with_options(options: CheckOptions) -> Rebuilder {
        Rebuilder {
            last: None,
            options,
        }
    }

    /// Checks and builds the portfolio at `root` into `out`, a folder that does not
    /// exist yet or that senco built.
    pub fn build(&mut self, root: &Path, out: &Path) -> Result<Built, FatalError> {
        // Taken, not borrowed: after a failure the next build starts afresh.
        let last = self.last.take();
        let (memo, generation) = match &last {
            Some((memo, generation)) => (Some(memo), Some(generation)),
            None => (None, None),
        };
        let options = BuildOptions {
            out: out.to_path_buf(),
            force: true,
            history: false,
        };
        // A file saved mid-build fails the build, which is then worth running again.
        let (built, memo, generation) = render::retry_while_saving(|| {
            let (check, memo, changes) =
                crate::check::recheck(root, &self.options, memo).map_err(|e| (e, None))?;
            let read = render::Read::of(&check);
            render::rebuild(check, &changes, generation, &options)
                .map(|(built, generation)| (built, memo, generation))
                .map_err(|e| (e, Some(read)))
        })?;
        self.last = Some((memo, generation));
        // Freeing thousands of records takes milliseconds the new page need not wait for.
        std::thread::spawn(move || drop(last));
        Ok(built)
    }

    /// What each evidence and indicator page of the last good build is about.
    pub fn subjects(&self) -> std::collections::HashMap<String, render::Subject> {
        self.last
            .as_ref()
            .map(|(_, generation)| generation.subjects())
            .unwrap_or_default()
    }
}

struct Shared {
    root: PathBuf,
    work: PathBuf,
    generation: AtomicU64,
    current: RwLock<Current>,
    rebuilder: Mutex<Rebuilder>,
    reload: broadcast::Sender<u64>,
    /// The review session, with `--review`.
    review: Option<review::Session>,
    /// What each evidence and indicator page of the current build is about.
    subjects: RwLock<Arc<std::collections::HashMap<String, render::Subject>>>,
}

impl Shared {
    /// Builds a new generation, switches to it, and tells `report` how it went. Problems
    /// in evidence still give a site (with its problems page); only a fatal error shows
    /// the error page. Old generations are removed after `report`: deleting thousands of
    /// files is not part of the time from a save to the new page.
    fn rebuild(&self, report: impl FnOnce(Result<Built, FatalError>)) {
        let n = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let out = self.work.join(format!("gen-{n}"));
        let (result, subjects) = match self.rebuilder.lock() {
            Ok(mut rebuilder) => {
                let result = rebuilder.build(&self.root, &out);
                (result, rebuilder.subjects())
            }
            Err(poisoned) => {
                // A panic mid-build: start afresh rather than trust what it left.
                let mut rebuilder = poisoned.into_inner();
                *rebuilder = Rebuilder::with_options(rebuilder.options.clone());
                let result = rebuilder.build(&self.root, &out);
                (result, rebuilder.subjects())
            }
        };
        if self.review.is_some() {
            match self.subjects.write() {
                Ok(mut s) => *s = Arc::new(subjects),
                Err(poisoned) => *poisoned.into_inner() = Arc::new(subjects),
            }
        }
        let next = match &result {
            Ok(_) => Current::Site(out),
            Err(e) => Current::Failed(e.to_string()),
        };
        let previous = match self.current.write() {
            Ok(mut current) => std::mem::replace(&mut *current, next),
            Err(poisoned) => std::mem::replace(&mut *poisoned.into_inner(), next),
        };
        let _ = self.reload.send(n);
        report(result);
        // The generation before the previous one can no longer be in use; the previous
        // one may be, and the next build links its unchanged pages from this one.
        if let Current::Site(old) = previous
            && let Some(name) = old.file_name().and_then(|n| n.to_str())
            && let Some(k) = name
                .strip_prefix("gen-")
                .and_then(|k| k.parse::<u64>().ok())
            && k + 1 < n
        {
            let _ = std::fs::remove_dir_all(self.work.join(format!("gen-{}", k.saturating_sub(1))));
        }
        for k in 1..n.saturating_sub(1) {
            let _ = std::fs::remove_dir_all(self.work.join(format!("gen-{k}")));
        }
    }
}

/// Serves the portfolio until interrupted.
pub fn serve(options: ServeOptions) -> Result<(), FatalError> {
    let root = options.root.clone();
    // A server killed without the chance to clean up left its folder: remove it now.
    crate::util::atomic::remove_leftovers(&std::env::temp_dir(), "senco-serve-");
    let work = std::env::temp_dir().join(format!("senco-serve-{}", std::process::id()));
    std::fs::create_dir_all(&work)
        .map_err(|e| FatalError::io(format!("cannot create {}: {e}", work.display()), e))?;
    let (reload, _) = broadcast::channel(16);
    let shared = Arc::new(Shared {
        root: root.clone(),
        work: work.clone(),
        generation: AtomicU64::new(0),
        current: RwLock::new(Current::Failed("building…".into())),
        rebuilder: Mutex::new(Rebuilder::with_options(options.check.clone())),
        reload,
        review: options.review.map(review::Session::new).transpose()?,
        subjects: RwLock::new(Arc::new(std::collections::HashMap::new())),
    });
    // A portfolio that cannot be read at all is an error now, not a page.
    crate::check::load(&root)?;
    let start = Instant::now();
    shared.rebuild(|result| print_built(result, "built", start));
    let watcher_shared = Arc::clone(&shared);
    let canonical_root = std::fs::canonicalize(&root).unwrap_or_else(|_| root.clone());
    let default_site = canonical_root.join("site");
    let mut debouncer = notify_debouncer_full::new_debouncer(
        DEBOUNCE,
        None,
        move |result: notify_debouncer_full::DebounceEventResult| {
            let Ok(events) = result else { return };
            // Reading files while building raises access events: only changes count.
            let relevant = events
                .iter()
                .filter(|e| !e.kind.is_access() && !e.kind.is_other())
                .flat_map(|e| e.paths.iter())
                .any(|p| watched(p, &canonical_root, &default_site));
            if relevant {
                let start = Instant::now();
                watcher_shared.rebuild(|result| print_built(result, "rebuilt", start));
            }
        },
    )
    .map_err(|e| {
        FatalError::new(
            ErrorKind::Io,
            format!("cannot watch {}: {e}", root.display()),
        )
    })?;
    debouncer
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|e| {
            FatalError::new(
                ErrorKind::Io,
                format!("cannot watch {}: {e}", root.display()),
            )
        })?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| FatalError::io(format!("cannot start the server: {e}"), e))?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(|e| {
                FatalError::io(
                    format!("cannot listen on 127.0.0.1:{}: {e}", options.port),
                    e,
                )
                .with_help("choose another port with --port")
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| FatalError::io(e.to_string(), e))?;
        println!(
            "serving {} at http://{address}/ (Ctrl-C to stop)",
            root.display()
        );
        if options.open
            && let Err(e) = crate::util::browser::open(Path::new(&format!("http://{address}/")))
        {
            eprintln!("warning: cannot open a browser: {e}; open http://{address}/ yourself");
        }
        let mut app = Router::new().route(EVENTS_PATH, get(events));
        let reviewing = shared.review.is_some();
        if reviewing {
            app = app.route(review::REVIEW_PATH, axum::routing::post(review_post));
        }
        let gate = Arc::new(Gate {
            hosts: AllowedHosts::for_port(address.port()),
            reviewing,
        });
        let app = app
            .fallback(get(page))
            .layer(axum::middleware::from_fn_with_state(
                Arc::clone(&gate),
                guard,
            ))
            .layer(axum::Extension(gate))
            .with_state(Arc::clone(&shared));
        // Not a graceful shutdown: an open page's event stream never closes, so Ctrl-C
        // would wait for the browser. A preview has nothing to finish: `run` returns at once.
        run(listener, app, shutdown_signal()).await;
        Ok::<(), FatalError>(())
    });
    // Connections still open (event streams, a page half sent) are dropped, not awaited.
    runtime.shutdown_timeout(Duration::from_millis(100));
    drop(debouncer);
    let _ = std::fs::remove_dir_all(&work);
    result
}

/// Accepts connections until `shutdown`, serving at most [`MAX_CONNECTIONS`] at once.
async fn run(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors, or a connection reset before it was accepted.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => {
                let app = app.clone();
                tokio::spawn(async move {
                    serve_connection(stream, app).await;
                    drop(permit);
                });
            }
            Err(_) => {
                tokio::spawn(refuse(stream));
            }
        }
    }
}

/// Serves one connection with hyper, closing it when its headers are slow or no byte
/// has moved for [`IDLE_TIMEOUT`].
async fn serve_connection(stream: tokio::net::TcpStream, app: Router) {
    let started = Instant::now();
    let last_moved = Arc::new(AtomicU64::new(0));
    let io = hyper_util::rt::TokioIo::new(Watched {
        inner: stream,
        started,
        last_moved: Arc::clone(&last_moved),
    });
    let service = hyper_util::service::TowerToHyperService::new(app);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let connection = builder.serve_connection(io, service);
    let idle = async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let moved = Duration::from_millis(last_moved.load(Ordering::Relaxed));
            if started.elapsed().saturating_sub(moved) > IDLE_TIMEOUT {
                return;
            }
        }
    };
    tokio::select! {
        _ = connection => {}
        _ = idle => {}
    }
}

/// What a client over [`MAX_CONNECTIONS`] gets, before the connection is closed.
async fn refuse(stream: tokio::net::TcpStream) {
    let body = format!(
        "senco serve is already serving {MAX_CONNECTIONS} connections; try again shortly\n"
    );
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        let mut rest = response.as_bytes();
        while !rest.is_empty() && stream.writable().await.is_ok() {
            match stream.try_write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    };
    // Dropping the stream closes it.
    let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
}

/// A socket that notes when a byte last moved, for the idle timeout.
struct Watched {
    inner: tokio::net::TcpStream,
    started: Instant,
    /// Milliseconds after `started`.
    last_moved: Arc<AtomicU64>,
}

impl Watched {
    fn moved(&self) {
        let now = self.started.elapsed().as_millis() as u64;
        self.last_moved.store(now, Ordering::Relaxed);
    }
}

impl tokio::io::AsyncRead for Watched {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.moved();
        }
        result
    }
}

impl tokio::io::AsyncWrite for Watched {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.moved();
        }
        result
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The `Host` values that name this server: a page from any other name (a rebinding
/// attacker's domain pointed at 127.0.0.1) is refused.
struct AllowedHosts([String; 3]);

impl AllowedHosts {
    fn for_port(port: u16) -> AllowedHosts {
        AllowedHosts([
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ])
    }

    fn allows(&self, host: &str) -> bool {
        self.0.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// What the guard lets through.
struct Gate {
    hosts: AllowedHosts,
    /// `--review`: a form may be posted to [`review::REVIEW_PATH`].
    reviewing: bool,
}

impl Gate {
    /// Whether `origin` (an `Origin` header) is this server's own.
    fn own_origin(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|host| self.hosts.allows(host))
    }
}

/// Refuses requests that do not name this server, and any that is not a plain GET or
/// HEAD without a body (serving only reads) but, while reviewing, a form posted to the
/// review path; each with `Connection: close`.
async fn guard(
    State(gate): State<Arc<Gate>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let allowed = &gate.hosts;
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let authority = request.uri().authority().map(|a| a.as_str());
    let refused = |status: StatusCode, why: &'static str| {
        (status, [(header::CONNECTION, "close")], why).into_response()
    };
    match host {
        None => return refused(StatusCode::BAD_REQUEST, "a request must name its Host\n"),
        Some(host) if !allowed.allows(host) || authority.is_some_and(|a| !allowed.allows(a)) => {
            return refused(
                StatusCode::MISDIRECTED_REQUEST,
                "senco serve answers only to 127.0.0.1, localhost and [::1] on its own port\n",
            );
        }
        Some(_) => {}
    }
    let has_body = request.headers().contains_key(header::TRANSFER_ENCODING)
        || request
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|l| l.as_bytes() != b"0");
    let review_post = gate.reviewing
        && request.method() == axum::http::Method::POST
        && request.uri().path() == review::REVIEW_PATH;
    if has_body && !review_post {
        return refused(
            StatusCode::BAD_REQUEST,
            "senco serve takes no request bodies\n",
        );
    }
    next.run(request).await
}

/// Ctrl-C, or SIGTERM from a process manager: either way the work folder is removed.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Changes worth a rebuild: not in hidden folders (.git, .obsidian) but `.senco/`, which
/// holds the pseudonyms the privacy lint checks against; not the output.
fn watched(path: &Path, root: &Path, site: &Path) -> bool {
    if path.starts_with(site) {
        return false;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    !rel.components()
        .enumerate()
        .any(|(depth, c)| crate::util::fs::is_unwatched(c.as_os_str(), depth == 0))
}

async fn events(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let stream = BroadcastStream::new(shared.reload.subscribe())
        .filter_map(|n| n.ok())
        .map(|n| Ok::<_, std::convert::Infallible>(Event::default().data(n.to_string())));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// A judgement posted from a page's form: checked (origin, token, the page it names,
/// the verdict), recorded, rebuilt, then 303 back to the page showing it.
async fn review_post(
    State(shared): State<Arc<Shared>>,
    axum::Extension(gate): axum::Extension<Arc<Gate>>,
    request: axum::extract::Request,
) -> Response {
    let refused = |status: StatusCode, why: &str| {
        (
            status,
            [
                (header::CONNECTION, HeaderValue::from_static("close")),
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/plain; charset=utf-8"),
                ),
            ],
            format!("{why}\n"),
        )
            .into_response()
    };
    let Some(session) = &shared.review else {
        return refused(StatusCode::NOT_FOUND, "not reviewing");
    };
    let headers = request.headers();
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if !origin.is_some_and(|o| gate.own_origin(o)) {
        return refused(
            StatusCode::FORBIDDEN,
            "a judgement is accepted only from this server's own pages (Origin)",
        );
    }
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v != "same-origin")
    {
        return refused(
            StatusCode::FORBIDDEN,
            "a judgement is accepted only from this server's own pages",
        );
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "post the page's form");
    }
    let body = match axum::body::to_bytes(request.into_body(), review::MAX_FORM_BYTES).await {
        Ok(body) => body,
        Err(_) => return refused(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large"),
    };
    let fields = match review::fields(&body) {
        Ok(fields) => fields,
        Err(why) => return refused(StatusCode::BAD_REQUEST, why),
    };
    if !fields
        .get("token")
        .is_some_and(|t| session.token_matches(t))
    {
        return refused(
            StatusCode::FORBIDDEN,
            "the form's session token is missing or out of date: reload the page and post again",
        );
    }
    let subjects = match shared.subjects.read() {
        Ok(s) => Arc::clone(&s),
        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
    };
    let (page, post) = match review::post(&fields, &subjects) {
        Ok(checked) => checked,
        Err(why) => return refused(StatusCode::BAD_REQUEST, why),
    };
    let worker = Arc::clone(&shared);
    let recorded = tokio::task::spawn_blocking(move || {
        let Some(session) = &worker.review else {
            return Err("not reviewing".to_string());
        };
        let written = (session.mode.record)(&post).map_err(|e| e.to_string())?;
        let start = Instant::now();
        worker.rebuild(|result| print_built(result, "rebuilt", start));
        Ok(written)
    })
    .await;
    match recorded {
        Ok(Ok(written)) => {
            eprintln!("recorded {}", written.display());
            let location = format!(
                "/{}#judgements-heading",
                crate::render::site::encode_path(&page)
            );
            match HeaderValue::from_str(&location) {
                Ok(location) => {
                    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
                }
                Err(_) => refused(StatusCode::INTERNAL_SERVER_ERROR, "cannot name the page"),
            }
        }
        Ok(Err(why)) => refused(StatusCode::UNPROCESSABLE_ENTITY, &why),
        Err(_) => refused(
            StatusCode::INTERNAL_SERVER_ERROR,
            "recording the judgement failed",
        ),
    }
}

async fn page(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let current = match shared.current.read() {
        Ok(c) => c.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let dir = match current {
        Current::Site(dir) => dir,
        Current::Failed(message) => return error_page(&message),
    };
    let Some(rel) = safe_relative(uri.path()) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut path = dir.join(&rel);
    if path.is_dir() {
        path = path.join("index.html");
    }
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            crate::util::fs::read_capped(&path, crate::util::fs::MAX_ATTACHMENT_BYTES, "site files")
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    };
    match read {
        Ok(bytes) => {
            let kind = content_type(&path);
            let body = if kind.starts_with("text/html") {
                let form = shared.review.as_ref().and_then(|session| {
                    let page = rel.to_string_lossy().replace('\\', "/");
                    let subjects = match shared.subjects.read() {
                        Ok(s) => Arc::clone(&s),
                        Err(poisoned) => Arc::clone(&poisoned.into_inner()),
                    };
                    subjects
                        .get(&page)
                        .map(|subject| session.form(&page, subject))
                });
                match form {
                    Some(form) => inject_reload(
                        review::with_form(&String::from_utf8_lossy(&bytes), &form).into_bytes(),
                        true,
                    ),
                    None => inject_reload(bytes, shared.review.is_some()),
                }
            } else {
                bytes
            };
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                body,
            )
                .into_response()
        }
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The request path as a relative file path, or `None` if it tries to climb out.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = crate::render::site::percent_decode(path);
    let rel = Path::new(decoded.trim_start_matches('/'));
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| rel.to_path_buf())
}

fn inject_reload(bytes: Vec<u8>, reviewing: bool) -> Vec<u8> {
    use crate::render::policy;
    let text = String::from_utf8_lossy(&bytes);
    let file_meta = policy::meta(policy::FILES);
    let text = if text.contains(&file_meta) {
        text.replacen(&file_meta, &policy::meta(&serve_policy(reviewing)), 1)
    } else {
        policy::apply(&text, &serve_policy(reviewing))
    };
    match text.rfind("</body>") {
        Some(at) => format!("{}{RELOAD_SCRIPT}{}", &text[..at], &text[at..]).into_bytes(),
        None => format!("{text}{RELOAD_SCRIPT}").into_bytes(),
    }
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>senco: build failed</title></head>\
<body><main><h1>The portfolio could not be built</h1><pre>{}</pre><p>Fix the problem and save: this page reloads by itself.</p></main>{RELOAD_SCRIPT}</body></html>",
        crate::render::html::escape(message)
    );
    let body = crate::render::policy::apply(&body, &serve_policy(false));
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_cannot_climb_out() {
        assert_eq!(
            safe_relative("/outcomes/A1.2.html"),
            Some(PathBuf::from("outcomes/A1.2.html"))
        );
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/evidence/%2e%2e/%2e%2e/x"), None);
    }

    #[test]
    fn hidden_folders_but_senco_are_not_watched() {
        let (root, site) = (Path::new("/p"), Path::new("/p/site"));
        assert!(watched(Path::new("/p/evidence/a.md"), root, site));
        assert!(watched(Path::new("/p/.senco/pseudonyms.toml"), root, site));
        assert!(!watched(Path::new("/p/.git/index"), root, site));
        assert!(!watched(Path::new("/p/evidence/.obsidian/x"), root, site));
        assert!(!watched(Path::new("/p/site/index.html"), root, site));
    }

    #[test]
    fn reload_script_goes_before_body_end() {
        let out = String::from_utf8(inject_reload(
            b"<html><body><p>x</p></body></html>".to_vec(),
            false,
        ))
        .unwrap_or_default();
        assert!(out.contains("</p><script>"), "{out}");
    }

    #[test]
    fn the_served_policy_allows_the_reload_script_alone() {
        assert_eq!(RELOAD_SCRIPT, format!("<script>{RELOAD_JS}</script>"));
        let page = crate::render::policy::apply(
            "<!DOCTYPE html><html><head></head><body></body></html>",
            crate::render::policy::FILES,
        );
        let out = String::from_utf8(inject_reload(page.into_bytes(), false)).unwrap_or_default();
        assert_eq!(out.matches("Content-Security-Policy").count(), 1, "{out}");
        assert!(out.contains("script-src 'sha256-"), "{out}");
        let policy = serve_policy(false);
        assert!(policy.contains("form-action 'none'"), "{policy}");
        assert!(serve_policy(true).contains("form-action 'self'"));
        let script = policy
            .split(';')
            .find(|d| d.trim().starts_with("script-src"))
            .unwrap_or_default();
        assert!(!script.contains("unsafe"), "{policy}");
    }
}
