//! Prometheus text metrics, kept by hand: request counts by route and status, a latency
//! histogram, check-ins by direction, contacts listed by tracing, rows imported.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
    pub checkins_in: AtomicU64,
    pub checkins_out: AtomicU64,
    pub checkin_replays: AtomicU64,
    pub contacts_listed: AtomicU64,
    pub rows_imported: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl Metrics {
    pub fn observe(&self, route: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route.to_owned(), status)).or_default() += 1;
        }
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP ashyq_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE ashyq_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((route, status), n) in m.iter() {
                let route = route.replace('\\', "\\\\").replace('"', "\\\"");
                let _ = writeln!(
                    out,
                    "ashyq_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP ashyq_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE ashyq_http_request_duration_seconds histogram\n");
        for (i, le) in BUCKETS.iter().enumerate() {
            let n = self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "ashyq_http_request_duration_seconds_bucket{{le=\"{le}\"}} {n}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "ashyq_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "ashyq_http_request_duration_seconds_sum {sum}");
        let _ = writeln!(out, "ashyq_http_request_duration_seconds_count {count}");
        let counter = |out: &mut String, name: &str, help: &str, lines: &[(&str, &AtomicU64)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (labels, v) in lines {
                let _ = writeln!(out, "{name}{labels} {}", v.load(Ordering::Relaxed));
            }
        };
        counter(
            &mut out,
            "ashyq_checkins_total",
            "Recorded scans by direction.",
            &[
                ("{direction=\"in\"}", &self.checkins_in),
                ("{direction=\"out\"}", &self.checkins_out),
            ],
        );
        counter(
            &mut out,
            "ashyq_checkin_replays_total",
            "Retried scans answered from the record.",
            &[("", &self.checkin_replays)],
        );
        counter(
            &mut out,
            "ashyq_contacts_listed_total",
            "Contacts listed by tracing.",
            &[("", &self.contacts_listed)],
        );
        counter(
            &mut out,
            "ashyq_import_rows_total",
            "Health-data rows accepted.",
            &[("", &self.rows_imported)],
        );
        counter(
            &mut out,
            "ashyq_rate_limited_total",
            "Requests refused by the rate limit.",
            &[("", &self.rate_limited)],
        );
        out
    }
}
