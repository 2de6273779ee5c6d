//! An in-memory host for tests: scripted scan results and identity, recorded calls.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use super::{Fut, Host, Result};
use crate::types::{Haptic, HostError, HostKind, Proof};

#[derive(Default)]
pub struct FakeHost {
    /// Answers for the next scans, in order; an empty queue never answers (a host that
    /// hangs), so the caller's timeout is what ends the scan.
    pub scans: RefCell<VecDeque<Result<String>>>,
    pub proof: RefCell<Option<Proof>>,
    pub calls: RefCell<Vec<String>>,
    pub storage: RefCell<BTreeMap<String, String>>,
    pub lang: Option<String>,
}

impl FakeHost {
    pub fn new() -> FakeHost {
        FakeHost::default()
    }
    pub fn push_scan(&self, r: Result<String>) {
        self.scans.borrow_mut().push_back(r);
    }
    fn record(&self, call: &str) {
        self.calls.borrow_mut().push(call.to_owned());
    }
}

impl Host for FakeHost {
    fn kind(&self) -> HostKind {
        HostKind::Fake
    }
    fn ready(&self) -> Fut<'_, ()> {
        self.record("ready");
        Box::pin(async {})
    }
    fn scan_qr(&self) -> Fut<'_, Result<String>> {
        self.record("scan");
        let next = self.scans.borrow_mut().pop_front();
        Box::pin(async move {
            match next {
                Some(r) => r,
                None => {
                    futures_util::future::pending::<()>().await;
                    Err(HostError::Timeout)
                }
            }
        })
    }
    fn proof(&self) -> Fut<'_, Result<Option<Proof>>> {
        self.record("proof");
        let p = self.proof.borrow().clone();
        Box::pin(async move { Ok(p) })
    }
    fn haptic(&self, kind: Haptic) {
        self.record(match kind {
            Haptic::Success => "haptic:success",
            Haptic::Warning => "haptic:warning",
            Haptic::Error => "haptic:error",
            Haptic::Tap => "haptic:tap",
        });
    }
    fn set_title(&self, _title: &str) {
        self.record("title");
    }
    fn set_back_button(&self, visible: bool) {
        self.record(if visible { "back:show" } else { "back:hide" });
    }
    fn on_event(&self, _f: std::rc::Rc<dyn Fn(super::HostEvent)>) {}
    fn storage_get(&self, key: &str) -> Fut<'_, Result<Option<String>>> {
        let v = self.storage.borrow().get(key).cloned();
        Box::pin(async move { Ok(v) })
    }
    fn storage_set(&self, key: &str, value: &str) -> Fut<'_, Result<()>> {
        self.storage
            .borrow_mut()
            .insert(key.to_owned(), value.to_owned());
        Box::pin(async { Ok(()) })
    }
    fn open_settings(&self) {
        self.record("settings");
    }
    fn language(&self) -> Option<String> {
        self.lang.clone()
    }
    fn close(&self) {
        self.record("close");
    }
}
