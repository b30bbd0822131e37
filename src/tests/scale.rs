//! The scale test: three instances of the real binary on one database,
//! behind nginx, under a load of likes, views and publishes from many
//! visitors, with one instance killed by `kill -9` part-way through.
//!
//! It runs on the Postgres server `BULLETIN_TEST_POSTGRES` names (a new
//! database on it), or else on one SQLite file; the test command runs it
//! both ways. It checks that:
//! - no visitor ever reads, on any instance, data older than a write of
//!   theirs that was answered: each write is checked at once on every
//!   instance still alive, bypassing nginx, where each instance's read cache
//!   and kept pages would show an older state (a post's text after an edit,
//!   its view count after a view, the list after a publish, the like
//!   button after a like);
//! - the final counts are exact: like counts equal the like rows and the
//!   likes the visitors were last told they have; every answered view is
//!   counted; every answered publish is there, once;
//! - after the kill, the other instances go on answering;
//! - a post published with an image through nginx shows it, and its file
//!   is served, by every instance at once.
//!
//! The load is measured in writes, not in time, so a slow machine runs it
//! longer rather than failing it: the kill comes once the cluster has
//! answered [`KILL_AFTER_WRITES`] writes, and each client stops once it has
//! had [`WRITES_AFTER_KILL`] answered after the kill. A write refused 200
//! times in a row fails the test rather than hang it.
//!
//! - a stream of changes (`GET /live`) kept open on every instance from the
//!   start saw every change to every post, in order, nothing twice: each
//!   feed row that named a post is covered by the first event at or after
//!   its position, and that event names the post; ids only grow; each
//!   post's last event has its final counts. The stream on the killed
//!   instance reconnects to another with `Last-Event-ID`, as a browser
//!   would, and the same holds for it across the kill.
//!
//! It also measures how soon another visitor, on another instance, sees a
//! write (the feed's lag), and how soon after a like's answer the streams
//! on the other instances bring it, and prints both; `bench/RESULTS.md` has
//! the figures.

#[path = "process.rs"]
mod process;

use std::{
    collections::{BTreeMap, HashMap},
    net::SocketAddr,
    path::Path,
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use process::Server;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    process::{Child, Command},
};

const INSTANCES: usize = 3;
const CLIENTS: usize = 12;
const POSTS: usize = 8;
/// The writes the cluster answers before the last instance is killed.
const KILL_AFTER_WRITES: usize = 400;
/// The writes each client has answered after the kill before it stops.
const WRITES_AFTER_KILL: usize = 50;
/// How long another visitor may take to see a write before the test fails
/// (it takes milliseconds: `bench/RESULTS.md`).
const SEEN_WITHIN: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_behind_nginx_stay_exact_and_fresh_when_one_is_killed() {
    nginx_binary();
    let data = tempfile::tempdir().unwrap();
    let database = shared_database(data.path()).await;
    let vars = [
        ("DATABASE_URL", database.as_str()),
        ("BULLETIN_WRITES_PER_MINUTE_PER_IP", "0"),
        ("BULLETIN_WRITES_PER_MINUTE_PER_VISITOR", "0"),
        // Not a line per request: the load would spend its time logging.
        ("RUST_LOG", "info"),
    ];
    let mut instances = Vec::new();
    for _ in 0..INSTANCES {
        instances.push(Server::start(&vars).await);
    }
    let (answered_tx, mut answered_rx) = tokio::sync::watch::channel(0);
    let cluster = Arc::new(Cluster {
        addrs: instances.iter().map(|server| server.addr).collect(),
        alive: (0..INSTANCES).map(|_| AtomicBool::new(true)).collect(),
        killed_at: std::sync::OnceLock::new(),
        answered: answered_tx,
        load_done: AtomicBool::new(false),
    });
    let nginx = Nginx::start(&cluster.addrs).await;

    let mut seeder = Visitor::default();
    let mut posts = Vec::new();
    for n in 0..=POSTS {
        posts.push(seeder.publish(nginx.addr, &format!("Seed {n}"), &format!("seed-{n}")).await.expect("seeded"));
    }
    let probe_post = posts.pop().unwrap();
    // A post with an image, published through nginx: every instance shows
    // it and serves its file at once.
    let pictured =
        seeder.publish_with_image(nginx.addr, "Pictured", "seed-image").await.expect("published with an image");
    for addr in &cluster.addrs {
        let page = seeder.send(*addr, "GET", &format!("/posts/{pictured}"), None).await.expect("the post's page");
        let name = page.body.split("src=\"/images/").nth(1).and_then(|rest| rest.split('"').next());
        let name = name.unwrap_or_else(|| panic!("instance {addr} shows no image on the post: {}", page.body));
        let file = seeder.send(*addr, "GET", &format!("/images/{name}"), None).await.expect("the image");
        assert_eq!(file.status, 200, "instance {addr} serves the image");
    }

    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for n in 0..CLIENTS {
        clients.spawn(client(n, nginx.addr, cluster.clone(), posts.clone()));
    }
    let probe = tokio::spawn(probe(cluster.clone(), probe_post));
    let (stop_watching, watching_until) = tokio::sync::watch::channel(0i64);
    let watchers: Vec<_> =
        (0..INSTANCES).map(|home| tokio::spawn(watch(cluster.clone(), home, watching_until.clone()))).collect();

    // The kill, once the cluster has answered enough writes. No client can
    // end before it (each needs writes after it), so one that ends has
    // failed: its panic is the test's.
    tokio::select! {
        reached = answered_rx.wait_for(|answered| *answered >= KILL_AFTER_WRITES) => {
            reached.expect("the cluster's counter is alive");
        }
        Some(ended) = clients.join_next() => match ended {
            Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
            _ => panic!("a client stopped before the kill"),
        },
    }
    cluster.alive[INSTANCES - 1].store(false, Ordering::SeqCst);
    let _ = cluster.killed_at.set(Instant::now());
    let mut killed = instances.pop().unwrap();
    killed.child.start_kill().unwrap();
    killed.child.wait().await.unwrap();

    let mut reports = Vec::new();
    while let Some(ended) = clients.join_next().await {
        match ended {
            Ok(report) => reports.push(report),
            Err(failed) => std::panic::resume_unwind(failed.into_panic()),
        }
    }
    let load = started.elapsed();
    cluster.load_done.store(true, Ordering::SeqCst);
    let (lags, probe_liked, probe_writes) = probe.await.unwrap();

    // --- what was answered, against what is stored ---------------------------
    let stale: Vec<&String> = reports.iter().flat_map(|report| &report.stale).collect();
    assert!(stale.is_empty(), "{} stale reads after a write's answer: {stale:#?}", stale.len());
    let mut liked: HashMap<i64, i64> = HashMap::new();
    let (mut viewed, mut maybe_viewed): (HashMap<i64, i64>, HashMap<i64, i64>) = Default::default();
    for report in &reports {
        for (post, state) in &report.likes {
            *liked.entry(*post).or_default() += i64::from(*state);
        }
        for (post, views) in &report.views {
            *viewed.entry(*post).or_default() += views;
        }
        for (post, views) in &report.unanswered_views {
            *maybe_viewed.entry(*post).or_default() += views;
        }
    }
    *liked.entry(probe_post).or_default() += i64::from(probe_liked);
    let stored = stored_counts(&database, data.path()).await;
    for post in posts.iter().copied().chain([probe_post]) {
        let (likes, views, rows) = stored[&post];
        let expected = liked.get(&post).copied().unwrap_or(0);
        assert_eq!(
            (likes, rows),
            (expected, expected),
            "post {post}: like count and rows against what visitors were told"
        );
        let (answered, unanswered) =
            (viewed.get(&post).copied().unwrap_or(0), maybe_viewed.get(&post).copied().unwrap_or(0));
        assert!(
            (answered..=answered + unanswered).contains(&views),
            "post {post}: {views} views stored, {answered} answered and {unanswered} unanswered"
        );
    }
    // --- what the streams saw ----------------------------------------------------
    let rows = feed_rows(&database, data.path()).await;
    let head = rows.last().map_or(0, |(seq, _)| *seq);
    stop_watching.send_replace(head);
    let mut watched = Vec::new();
    for watcher in watchers {
        watched.push(watcher.await.expect("a watcher"));
    }
    for (home, stream) in watched.iter().enumerate() {
        assert!(stream.problems.is_empty(), "the stream kept on instance {home}: {:#?}", stream.problems);
        for (seq, named) in &rows {
            let covering = stream.events.iter().find(|event| event.id >= *seq).expect("an event up to the head");
            for post in named {
                assert!(
                    covering.posts.contains_key(post),
                    "the stream kept on instance {home} missed post {post}'s change at {seq}: event {} names {:?}",
                    covering.id,
                    covering.posts.keys().collect::<Vec<_>>()
                );
            }
        }
        for post in posts.iter().copied().chain([probe_post]) {
            let (likes, views, _) = stored[&post];
            let last = stream.events.iter().rev().find_map(|event| event.posts.get(&post)).expect("the post was seen");
            assert_eq!(*last, (likes, views), "the stream kept on instance {home}: post {post}'s last event");
        }
    }
    let reconnects: usize = watched.iter().map(|stream| stream.reconnects).sum();
    let events: usize = watched.iter().map(|stream| stream.events.len()).sum();

    let published: Vec<i64> = reports.iter().flat_map(|report| report.published.iter().copied()).collect();
    for id in &published {
        assert!(stored.contains_key(id), "answered publish {id} is missing");
    }
    // The seeded posts, the one with an image, and those published.
    assert_eq!(stored.len(), POSTS + 2 + published.len(), "each answered publish once, and nothing else");

    // --- the others kept answering --------------------------------------------
    let after_kill: usize = reports.iter().map(|report| report.answered_after_kill).sum();
    let failed: usize = reports.iter().map(|report| report.failed).sum();
    let answered: usize = reports.iter().map(|report| report.answered).sum();
    // Each client stopped only with its writes answered after the kill, so
    // the instances left went on answering; the one killed is gone.
    assert!(TcpStream::connect(killed.addr).await.is_err(), "the killed instance still answers");
    assert!(!lags.is_empty(), "the probe saw no write through");
    assert!(lags.iter().all(|lag| lag.is_some()), "another visitor never saw a write within {SEEN_WITHIN:?}");

    let lags: Vec<Lag> = lags.into_iter().flatten().collect();
    let quantiles = |of: fn(&Lag) -> Duration| {
        let mut all: Vec<Duration> = lags.iter().map(of).collect();
        all.sort();
        let at = |q: f64| all[((all.len() - 1) as f64 * q).round() as usize];
        format!("p50 {:.1?}, p99 {:.1?}, max {:.1?}", at(0.5), at(0.99), all[all.len() - 1])
    };
    eprintln!(
        "scale ({backend}): {answered} writes answered in {load:.1?} by {INSTANCES} instances ({after_kill} after one was \
         killed), {failed} refused or cut off and retried or not counted; {published} posts published; another visitor \
         on another instance saw a write ({n} writes) in a read sent {sent} after the write's answer, and answered {done}",
        backend = if database.starts_with("postgres") { "Postgres" } else { "SQLite" },
        published = published.len(),
        n = lags.len(),
        sent = quantiles(|lag| lag.sent),
        done = quantiles(|lag| lag.answered),
    );

    // From a like's answer on one instance to its event on the streams kept
    // on the others.
    let mut delivery: Vec<Duration> = Vec::new();
    for write in &probe_writes {
        for (home, stream) in watched.iter().enumerate() {
            if home == write.instance || home == INSTANCES - 1 {
                continue;
            }
            let event =
                stream.events.iter().find(|event| event.id >= write.at && event.posts.contains_key(&probe_post));
            if let Some(event) = event {
                delivery.push(event.arrived.saturating_duration_since(write.answered));
            }
        }
    }
    delivery.sort();
    assert!(!delivery.is_empty(), "no like of the probe reached a stream");
    let at = |q: f64| delivery[((delivery.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "scale ({backend}): {INSTANCES} streams kept open through the load got {events} events, none missed or twice \
         ({reconnects} reconnects, the killed instance's to another); a like reached the streams on the other \
         instances {n} times, p50 {p50:.1?}, p99 {p99:.1?}, max {max:.1?} after its answer",
        backend = if database.starts_with("postgres") { "Postgres" } else { "SQLite" },
        n = delivery.len(),
        p50 = at(0.5),
        p99 = at(0.99),
        max = delivery[delivery.len() - 1],
    );
    drop(nginx);
}

/// The instances, and which are still alive.
struct Cluster {
    addrs: Vec<SocketAddr>,
    alive: Vec<AtomicBool>,
    killed_at: std::sync::OnceLock<Instant>,
    /// Writes answered so far, by all clients.
    answered: tokio::sync::watch::Sender<usize>,
    /// Set once every client has stopped.
    load_done: AtomicBool,
}

impl Cluster {
    fn alive(&self) -> Vec<SocketAddr> {
        self.addrs.iter().zip(&self.alive).filter(|(_, alive)| alive.load(Ordering::SeqCst)).map(|(a, _)| *a).collect()
    }

    fn is_alive(&self, addr: SocketAddr) -> bool {
        self.addrs.iter().zip(&self.alive).any(|(a, alive)| *a == addr && alive.load(Ordering::SeqCst))
    }

    fn after_kill(&self) -> bool {
        self.killed_at.get().is_some()
    }
}

/// What one client was told.
#[derive(Default)]
struct Report {
    /// Each post's like state as last answered.
    likes: BTreeMap<i64, bool>,
    /// Views answered, per post.
    views: BTreeMap<i64, i64>,
    /// Views sent but not answered (they may or may not count).
    unanswered_views: BTreeMap<i64, i64>,
    /// Posts published (answered).
    published: Vec<i64>,
    answered: usize,
    answered_after_kill: usize,
    failed: usize,
    /// Reads older than the visitor's own answered write.
    stale: Vec<String>,
}

/// One visitor, through nginx, until it has had [`WRITES_AFTER_KILL`]
/// writes answered after the kill: likes and unlikes (each retried with the
/// same intent until answered, as a client would), views, edits of its own
/// posts (retried likewise), and now and then a post (retried with the same
/// submission key). After each answered write it reads, on every live
/// instance, what that write changed.
async fn client(n: usize, nginx: SocketAddr, cluster: Arc<Cluster>, posts: Vec<i64>) -> Report {
    let mut visitor = Visitor::default();
    let mut report = Report::default();
    let mut random = 0x9e37_79b9_7f4a_7c15_u64 ^ (n as u64 + 1).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let mut next = move |below: usize| {
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        (random % below as u64) as usize
    };
    let mut round = 0;
    while report.answered_after_kill < WRITES_AFTER_KILL {
        round += 1;
        let post = posts[next(posts.len())];
        match next(10) {
            0..=4 => {
                let intent = !report.likes.get(&post).copied().unwrap_or(false);
                let fields = format!("id={post}&liked={intent}");
                report.write_until_answered(&mut visitor, nginx, "/api/set_like", &fields, &cluster).await;
                report.likes.insert(post, intent);
                let pressed = format!(r#"aria-pressed="{intent}""#);
                let page = Read::Page(format!("/posts/{post}"));
                check_everywhere(&mut visitor, &cluster, &page, |body| body.contains(&pressed), &mut report).await;
            }
            5..=7 => match visitor.send(nginx, "POST", "/api/record_view", Some(&format!("id={post}"))).await {
                Ok(answer) if answer.status == 200 => {
                    *report.views.entry(post).or_default() += 1;
                    report.note_answered(&cluster);
                    // Counts only grow: none older than this view's.
                    let counted: i64 = answer.body.trim().parse().unwrap();
                    let at_least = |body: &str| view_count(body).is_some_and(|views| views >= counted);
                    check_everywhere(&mut visitor, &cluster, &Read::Post(post), at_least, &mut report).await;
                }
                _ => {
                    *report.unanswered_views.entry(post).or_default() += 1;
                    report.failed += 1;
                }
            },
            8 if !report.published.is_empty() => {
                let own = report.published[next(report.published.len())];
                let title = format!("Client {n} edit {round}");
                let fields = format!("id={own}&title={}&content=Edited", title.replace(' ', "+"));
                report.write_until_answered(&mut visitor, nginx, "/api/update_post", &fields, &cluster).await;
                let heading = format!("<h1>{title}</h1>");
                let page = Read::Page(format!("/posts/{own}"));
                check_everywhere(&mut visitor, &cluster, &page, |body| body.contains(&heading), &mut report).await;
            }
            _ => {
                let title = format!("Client {n} round {round}");
                let mut tries = 0;
                let id = loop {
                    match visitor.publish(nginx, &title, &format!("c{n}-r{round}")).await {
                        Ok(id) => break id,
                        Err(err) => report.refused(&mut tries, &err.to_string()),
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                };
                report.published.push(id);
                report.note_answered(&cluster);
                // The list's first page, which every instance keeps, has it:
                // twenty others would have to be published in between to
                // push it off.
                let list = Read::Page("/".to_owned());
                check_everywhere(&mut visitor, &cluster, &list, |body| body.contains(&title), &mut report).await;
            }
        }
    }
    report
}

impl Report {
    /// Notes an answered write.
    fn note_answered(&mut self, cluster: &Cluster) {
        self.answered += 1;
        self.answered_after_kill += usize::from(cluster.after_kill());
        cluster.answered.send_modify(|answered| *answered += 1);
    }

    /// Sends an idempotent write (`fields` to `path`) until it is answered
    /// 200, as a client retrying the same intent would.
    async fn write_until_answered(
        &mut self,
        visitor: &mut Visitor,
        nginx: SocketAddr,
        path: &str,
        fields: &str,
        cluster: &Cluster,
    ) {
        let mut tries = 0;
        loop {
            match visitor.send(nginx, "POST", path, Some(fields)).await {
                Ok(answer) if answer.status == 200 => break,
                Ok(answer) => self.refused(&mut tries, &format!("{} {}", answer.status, answer.body)),
                Err(err) => self.refused(&mut tries, &err.to_string()),
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.note_answered(cluster);
    }

    /// Notes a write that was refused or cut off, to be sent again; after
    /// 200 tries in a row (two seconds and more), the test fails rather than
    /// hang.
    fn refused(&mut self, tries: &mut u32, why: &str) {
        self.failed += 1;
        *tries += 1;
        assert!(*tries < 200, "a write was refused {tries} times in a row, the last: {why}");
    }
}

/// What a visitor reads to check a write.
enum Read {
    /// A page, as a browser navigates to it.
    Page(String),
    /// A post, through the server function the client calls.
    Post(i64),
}

/// Reads `read` as `visitor` on every live instance, bypassing nginx, and
/// notes each answer that is not 200 or whose body is not `fresh`.
async fn check_everywhere(
    visitor: &mut Visitor,
    cluster: &Cluster,
    read: &Read,
    fresh: impl Fn(&str) -> bool,
    report: &mut Report,
) {
    for addr in cluster.alive() {
        let (answer, what) = match read {
            Read::Page(path) => (visitor.send(addr, "GET", path, None).await, path.clone()),
            Read::Post(id) => {
                (visitor.send(addr, "POST", "/api/get_post", Some(&format!("id={id}"))).await, format!("post {id}"))
            }
        };
        match answer {
            Ok(answer) if answer.status == 200 && fresh(&answer.body) => {}
            Ok(answer) => report.stale.push(format!("{addr} {what}: {} {}", answer.status, excerpt(&answer.body))),
            // Killed while being asked.
            Err(_) if !cluster.is_alive(addr) => {}
            Err(err) => report.stale.push(format!("{addr} {what}: {err}")),
        }
    }
}

/// The view count in a `get_post` answer.
fn view_count(body: &str) -> Option<i64> {
    let rest = body.split(r#""view_count":"#).nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// The part of a page worth showing in a failure: its `<main>`, or its start.
fn excerpt(body: &str) -> &str {
    let start = body.find("<main").unwrap_or(0);
    let end = (start + 600).min(body.len());
    body.get(start..end).unwrap_or(body)
}

/// How soon a stranger saw one write on another instance, from the write's
/// answer: when the first read that showed it was sent (before the read's
/// own latency) and when it was answered.
#[derive(Clone, Copy)]
struct Lag {
    sent: Duration,
    answered: Duration,
}

/// One like of the probe's, answered: when, by which instance, and the feed
/// position its answer is as of.
struct ProbeWrite {
    answered: Instant,
    instance: usize,
    at: i64,
}

/// Until the load is done: likes or unlikes `post` through one live
/// instance, then asks another, as a new visitor each time, until it shows
/// the new count. Returns each write's lag (`None` past [`SEEN_WITHIN`]),
/// the last like state, and the writes answered.
async fn probe(cluster: Arc<Cluster>, post: i64) -> (Vec<Option<Lag>>, bool, Vec<ProbeWrite>) {
    let mut writer = Visitor::default();
    let mut liked = false;
    let mut lags = Vec::new();
    let mut writes = Vec::new();
    let mut turn = 0;
    let mut unsettled = false;
    while !cluster.load_done.load(Ordering::SeqCst) {
        turn += 1;
        let alive = cluster.alive();
        let (on, other) = (alive[turn % alive.len()], alive[(turn + 1) % alive.len()]);
        // A write that fails may still have been stored: the next turn
        // sends the same intent again, and so does the end of the load.
        let Some(at) = like_at(&mut writer, on, post, !liked).await else {
            unsettled = true;
            continue;
        };
        let answered = Instant::now();
        unsettled = false;
        liked = !liked;
        let instance = cluster.addrs.iter().position(|addr| *addr == on).expect("one of the instances");
        writes.push(ProbeWrite { answered, instance, at });
        let expected = format!(r#""like_count":{}"#, i64::from(liked));
        let mut lag = None;
        while answered.elapsed() < SEEN_WITHIN {
            let mut stranger = Visitor::default();
            let sent = answered.elapsed();
            match stranger.send(other, "POST", "/api/get_post", Some(&format!("id={post}"))).await {
                Ok(answer) if answer.body.contains(&expected) => {
                    lag = Some(Lag { sent, answered: answered.elapsed() });
                    break;
                }
                Err(_) if !cluster.is_alive(other) => break,
                _ => tokio::time::sleep(Duration::from_micros(500)).await,
            }
        }
        if lag.is_some() || cluster.is_alive(other) {
            lags.push(lag);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..100 {
        if !unsettled {
            break;
        }
        if set_like(&mut writer, cluster.alive()[0], post, !liked).await {
            (unsettled, liked) = (false, !liked);
        } else {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    assert!(!unsettled, "the probe's last like was never answered");
    (lags, liked, writes)
}

/// Makes `visitor` like `post` or not through `addr`; the feed position its
/// answer is as of, if it was answered.
async fn like_at(visitor: &mut Visitor, addr: SocketAddr, post: i64, liked: bool) -> Option<i64> {
    let answer = visitor.send(addr, "POST", "/api/set_like", Some(&format!("id={post}&liked={liked}"))).await.ok()?;
    if answer.status != 200 {
        return None;
    }
    let state: serde_json::Value = serde_json::from_str(&answer.body).ok()?;
    state["at"].as_i64()
}

/// One event of a stream: its id, when it arrived, and each post it named
/// with its likes and views.
struct StreamEvent {
    id: i64,
    arrived: Instant,
    posts: HashMap<i64, (i64, i64)>,
}

/// What a stream kept open through the load saw.
#[derive(Default)]
struct Watched {
    events: Vec<StreamEvent>,
    reconnects: usize,
    /// Ids that did not grow, reload events, refusals.
    problems: Vec<String>,
}

/// A browser tab's stream, on instance `home` from the start (position 0)
/// until it has seen the position `until` says (once it says one). When its
/// instance dies it reconnects to one still alive with `Last-Event-ID`, as
/// `EventSource` does behind a load balancer.
async fn watch(cluster: Arc<Cluster>, home: usize, mut until: tokio::sync::watch::Receiver<i64>) -> Watched {
    let mut watched = Watched::default();
    let mut last = 0i64;
    let mut addr = cluster.addrs[home];
    let started = Instant::now();
    loop {
        if !cluster.is_alive(addr) {
            addr = cluster.alive()[0];
        }
        let request =
            format!("GET /live HTTP/1.0\r\nHost: {addr}\r\nAccept: text/event-stream\r\nLast-Event-ID: {last}\r\n\r\n");
        let Ok(mut stream) = TcpStream::connect(addr).await else {
            watched.reconnects += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        if stream.write_all(request.as_bytes()).await.is_err() {
            watched.reconnects += 1;
            continue;
        }
        let mut text = String::new();
        let mut head_read = false;
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let target = *until.borrow();
            if target > 0 && last >= target {
                return watched;
            }
            assert!(started.elapsed() < Duration::from_secs(600), "a stream watched for ten minutes");
            let read = tokio::select! {
                read = stream.read(&mut buffer) => read,
                _ = until.changed() => continue,
            };
            let n = match read {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let arrived = Instant::now();
            text.push_str(&String::from_utf8_lossy(&buffer[..n]));
            if !head_read {
                let Some(end) = text.find("\r\n\r\n") else { continue };
                if !text.starts_with("HTTP/1.1 200") && !text.starts_with("HTTP/1.0 200") {
                    watched.problems.push(format!("refused: {}", &text[..end]));
                    return watched;
                }
                text.drain(..end + 4);
                head_read = true;
            }
            while let Some(end) = text.find("\n\n") {
                let block: String = text.drain(..end + 2).collect();
                let (mut id, mut data, mut kind) = (None, None, "message");
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("id: ") {
                        id = value.parse::<i64>().ok();
                    } else if let Some(value) = line.strip_prefix("data: ") {
                        data = Some(value.to_owned());
                    } else if line.starts_with("event: reload") {
                        kind = "reload";
                    }
                }
                let (Some(id), Some(data)) = (id, data) else { continue };
                if kind == "reload" || id <= last {
                    watched.problems.push(format!("{kind} event {id} after {last}"));
                    continue;
                }
                let changes: Vec<serde_json::Value> = serde_json::from_str(&data).expect("an event's data is JSON");
                let posts = changes
                    .iter()
                    .filter_map(|change| {
                        Some((change["id"].as_i64()?, (change["likes"].as_i64()?, change["views"].as_i64()?)))
                    })
                    .collect();
                watched.events.push(StreamEvent { id, arrived, posts });
                last = id;
            }
        }
        watched.reconnects += 1;
    }
}

/// The feed's rows: each position and the posts it named.
async fn feed_rows(database: &str, dir: &Path) -> Vec<(i64, Vec<i64>)> {
    const QUERY: &str = "SELECT seq, tags FROM changes ORDER BY seq";
    let rows: Vec<(i64, String)> = if database.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(database).await.unwrap();
        sqlx::query_as(QUERY).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("shared.db").display())).await.unwrap();
        sqlx::query_as(QUERY).fetch_all(&pool).await.unwrap()
    };
    rows.into_iter()
        .map(|(seq, tags)| {
            let named = tags
                .split(' ')
                .filter_map(|tag| tag.strip_prefix("post:").or_else(|| tag.strip_prefix("counts:")))
                .filter_map(|id| id.parse().ok())
                .collect();
            (seq, named)
        })
        .collect()
}

/// Makes `visitor` like `post` or not through `addr`; whether it was answered.
async fn set_like(visitor: &mut Visitor, addr: SocketAddr, post: i64, liked: bool) -> bool {
    let answer = visitor.send(addr, "POST", "/api/set_like", Some(&format!("id={post}&liked={liked}"))).await;
    answer.is_ok_and(|answer| answer.status == 200)
}

/// A browser's cookie jar, over one-request HTTP/1.0 connections.
#[derive(Default)]
struct Visitor {
    cookies: BTreeMap<String, String>,
}

/// A status and a body.
struct Answer {
    status: u16,
    body: String,
}

impl Visitor {
    /// Sends a request (a form POST, answered as JSON, when `form` is
    /// given) with this visitor's cookies, and keeps those the answer sets.
    async fn send(
        &mut self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        form: Option<&str>,
    ) -> std::io::Result<Answer> {
        let body = form.map(|form| ("application/x-www-form-urlencoded", form.as_bytes()));
        self.send_body(addr, method, path, body).await
    }

    /// [`Visitor::send`], with a body of any type: (its type, its bytes).
    async fn send_body(
        &mut self,
        addr: SocketAddr,
        method: &str,
        path: &str,
        body: Option<(&str, &[u8])>,
    ) -> std::io::Result<Answer> {
        let cookies = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let mut request = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
        if !cookies.is_empty() {
            request += &format!("Cookie: {cookies}\r\n");
        }
        match body {
            Some((kind, bytes)) => {
                request += &format!(
                    "Content-Type: {kind}\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n",
                    bytes.len()
                )
            }
            None => request += "Accept: text/html\r\n\r\n",
        }
        let mut request = request.into_bytes();
        if let Some((_, bytes)) = body {
            request.extend_from_slice(bytes);
        }
        let exchange = async {
            let mut stream = TcpStream::connect(addr).await?;
            stream.write_all(&request).await?;
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await?;
            Ok::<_, std::io::Error>(String::from_utf8_lossy(&answer).into_owned())
        };
        let answer = tokio::time::timeout(Duration::from_secs(10), exchange)
            .await
            .map_err(|_| std::io::Error::other("no answer in 10 s"))??;
        let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(|| std::io::Error::other("no head"))?;
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other("no status"))?;
        for line in head.lines() {
            if let Some(cookie) = line.strip_prefix("set-cookie: ").or_else(|| line.strip_prefix("Set-Cookie: ")) {
                let (name, value) = cookie.split(';').next().unwrap_or_default().split_once('=').unwrap_or_default();
                if cookie.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        Ok(Answer { status, body: body.to_owned() })
    }

    /// Publishes a post with a small PNG as its image through `addr`, as
    /// the post form sends it (multipart); its id.
    async fn publish_with_image(&mut self, addr: SocketAddr, title: &str, key: &str) -> std::io::Result<i64> {
        use image::ImageEncoder;

        let picture = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(picture.as_raw(), 64, 48, image::ExtendedColorType::Rgb8)
            .map_err(std::io::Error::other)?;
        let boundary = "scale-test-boundary";
        let mut body = Vec::new();
        for (name, value) in
            [("title", title), ("content", "With a picture"), ("submission", key), ("image_alt", "A gradient")]
        {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&png);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let kind = format!("multipart/form-data; boundary={boundary}");
        let answer = self.send_body(addr, "POST", "/api/create_post", Some((&kind, &body))).await?;
        if answer.status != 200 {
            return Err(std::io::Error::other(format!("{}: {}", answer.status, answer.body)));
        }
        answer.body.trim().parse().map_err(std::io::Error::other)
    }

    /// Publishes a post through `addr` with submission key `key`; its id.
    async fn publish(&mut self, addr: SocketAddr, title: &str, key: &str) -> std::io::Result<i64> {
        let form = format!("title={}&content=Under+load&submission={key}", title.replace(' ', "+"));
        let answer = self.send(addr, "POST", "/api/create_post", Some(&form)).await?;
        if answer.status != 200 {
            return Err(std::io::Error::other(format!("{}: {}", answer.status, answer.body)));
        }
        answer.body.trim().parse().map_err(std::io::Error::other)
    }
}

/// Where every instance's `DATABASE_URL` points: a new database on the
/// Postgres server `BULLETIN_TEST_POSTGRES` names, or a SQLite file in `dir`.
async fn shared_database(dir: &Path) -> String {
    use sqlx::{Connection, Executor};
    let Ok(server) = std::env::var("BULLETIN_TEST_POSTGRES") else {
        return format!("sqlite://{}", dir.join("shared.db").display());
    };
    let name = format!("scale_{}", std::process::id());
    let mut connection = sqlx::PgConnection::connect(&format!("{server}/postgres")).await.expect("the Postgres server");
    connection.execute(format!("DROP DATABASE IF EXISTS {name}").as_str()).await.unwrap();
    connection.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    format!("{server}/{name}")
}

/// Each post's like count, view count and like rows, as stored.
async fn stored_counts(database: &str, dir: &Path) -> HashMap<i64, (i64, i64, i64)> {
    const QUERY: &str = "SELECT p.id, p.like_count, p.view_count, \
                         (SELECT count(*) FROM post_likes l WHERE l.post_id = p.id) FROM posts p";
    let rows: Vec<(i64, i64, i64, i64)> = if database.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(database).await.unwrap();
        sqlx::query_as(QUERY).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("shared.db").display())).await.unwrap();
        sqlx::query_as(QUERY).fetch_all(&pool).await.unwrap()
    };
    rows.into_iter().map(|(id, likes, views, rows)| (id, (likes, views, rows))).collect()
}

/// nginx in front of the instances, as Debian's `nginx-light` runs it in
/// the foreground, everything under a temporary folder, as one process (no
/// master and workers: a worker would outlive a killed master). A request is sent
/// to the next instance only if none was sent yet (nginx never resends a
/// POST that reached an instance).
struct Nginx {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    async fn start(upstreams: &[SocketAddr]) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let servers: String = upstreams
            .iter()
            .map(|upstream| format!("        server {upstream} max_fails=1 fail_timeout=30s;\n"))
            .collect();
        let root = dir.path().display();
        let config = format!(
            "master_process off;\npid {root}/nginx.pid;\nerror_log {root}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n    access_log off;\n    client_body_temp_path {root}/body;\n    proxy_temp_path {root}/proxy;\n\
             fastcgi_temp_path {root}/fastcgi;\n    uwsgi_temp_path {root}/uwsgi;\n    scgi_temp_path {root}/scgi;\n\
             upstream bulletin {{\n{servers}        keepalive 32;\n    }}\n\
             server {{\n        listen {addr};\n        client_max_body_size 17m;\n        location / {{\n            proxy_pass http://bulletin;\n\
             proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n\
             proxy_set_header Host $http_host;\n            proxy_next_upstream error timeout;\n\
             proxy_connect_timeout 1s;\n        }}\n    }}\n}}\n"
        );
        std::fs::write(dir.path().join("nginx.conf"), config).unwrap();
        let child = Command::new(nginx_binary())
            .args(["-p", &root.to_string(), "-c", "nginx.conf", "-g", "daemon off;"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("nginx starts (scripts/setup.sh installs Debian's nginx-light)");
        let started = Instant::now();
        while TcpStream::connect(addr).await.is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nginx did not listen on {addr}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Nginx { child, addr, _dir: dir }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Debian's nginx, or one on the PATH; the test cannot run without one, and
/// says so before it starts anything.
fn nginx_binary() -> &'static str {
    let found = ["/usr/sbin/nginx"].into_iter().find(|path| Path::new(path).exists()).or_else(|| {
        std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("nginx").is_file()))
            .then_some("nginx")
    });
    found.unwrap_or_else(|| {
        panic!(
            "this test runs three instances behind nginx, and there is no nginx here: \
             `bash scripts/test.sh` installs it (Debian's nginx-light), or install it yourself"
        )
    })
}
