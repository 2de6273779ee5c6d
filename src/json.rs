//! JSON in and out through the browser's own `JSON`, into and from the `ashyq_core::api`
//! types. The wasm carries no JSON parser or printer of its own: serde_json's
//! deserializers (one per type) and its number formatting were a third of the app's size,
//! and serde-wasm-bindgen over the core's serde types would add about 28 KB brotli to the
//! first load (docs/BENCHMARKS.md, "serde-wasm-bindgen against the hand-written reader").
//! The readers follow serde's rules for these types: unknown fields are ignored, an
//! `Option` may be absent or `null`, every other field is required and typed, integers
//! must be whole numbers in range.

use ashyq_core::api::{
    BusinessRef, CheckInRequest, CheckInResponse, DemoCitizen, Dependant, ExitKind, PartyMember,
    PassResponse, Profile, Roles, SessionResponse, StaffPost, StatusResponse, Visit, VisitList,
};
use ashyq_core::status::{Admission, AdmissionReason};
use ashyq_core::venue::{Category, Direction};
use ashyq_core::Status;
use js_sys::{Array, Object, JSON};
use wasm_bindgen::{JsCast, JsValue};

use crate::host::js::{self, get, is_object, obj, set};
use crate::types::Proof;

/// `JSON.parse(text)`; `None` for invalid JSON.
pub fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// `JSON.stringify(v)`.
pub fn stringify(v: &JsValue) -> String {
    js::stringify(v)
}

/// A string field.
pub fn str_of(o: &JsValue, k: &str) -> Option<String> {
    get(o, k).as_string()
}

/// A whole number that fits an `i64` exactly as a JavaScript number can hold it.
fn int(v: &JsValue) -> Option<i64> {
    let f = v.as_f64()?;
    (f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0).then_some(f as i64)
}

pub fn int_of(o: &JsValue, k: &str) -> Option<i64> {
    int(&get(o, k))
}

fn uint_of<T: TryFrom<i64>>(o: &JsValue, k: &str) -> Option<T> {
    T::try_from(int_of(o, k)?).ok()
}

fn bool_of(o: &JsValue, k: &str) -> Option<bool> {
    get(o, k).as_bool()
}

/// An optional field: absent or `null` is `Some(None)`, a wrong type is `None`.
fn opt<T>(o: &JsValue, k: &str, f: impl Fn(&JsValue) -> Option<T>) -> Option<Option<T>> {
    let v = get(o, k);
    if v.is_null() || v.is_undefined() {
        Some(None)
    } else {
        f(&v).map(Some)
    }
}

fn obj_of(o: &JsValue, k: &str) -> Option<JsValue> {
    let v = get(o, k);
    is_object(&v).then_some(v)
}

fn list<T>(o: &JsValue, k: &str, f: impl Fn(&JsValue) -> Option<T>) -> Option<Vec<T>> {
    let a = get(o, k).dyn_into::<Array>().ok()?;
    // A loop, not `collect::<Option<Vec<_>>>()` (its `GenericShunt` is bigger).
    let mut out = Vec::with_capacity(a.length() as usize);
    for v in a.iter() {
        out.push(f(&v)?);
    }
    Some(out)
}

fn enum_of<T>(o: &JsValue, k: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
    parse(&str_of(o, k)?)
}

/// A JSON object of strings, such as the key maps of `GET /v1/keys`.
/// Pairs in the object's key order (no `BTreeMap<String, String>` in the wasm).
pub fn string_map(v: &JsValue) -> Option<Vec<(String, String)>> {
    if !is_object(v) || Array::is_array(v) {
        return None;
    }
    let mut m = Vec::new();
    for k in Object::keys(v.unchecked_ref::<Object>()).iter() {
        let k = k.as_string()?;
        let val = get(v, &k).as_string()?;
        m.push((k, val));
    }
    Some(m)
}

pub fn string_map_js(m: &[(String, String)]) -> JsValue {
    let o: JsValue = Object::new().into();
    for (k, v) in m {
        set(&o, k, &JsValue::from_str(v));
    }
    o
}

pub fn profile(v: &JsValue) -> Option<Profile> {
    Some(Profile {
        masked_name: str_of(v, "masked_name")?,
        masked_iin: str_of(v, "masked_iin")?,
    })
}

/// A list that serde would default when absent (`#[serde(default)]`).
fn list_or_empty<T>(o: &JsValue, k: &str, f: impl Fn(&JsValue) -> Option<T>) -> Option<Vec<T>> {
    let v = get(o, k);
    if v.is_null() || v.is_undefined() {
        Some(Vec::new())
    } else {
        list(o, k, f)
    }
}

fn business_ref(v: &JsValue) -> Option<BusinessRef> {
    Some(BusinessRef {
        bin: str_of(v, "bin")?,
        name: str_of(v, "name")?,
    })
}

fn staff_post(v: &JsValue) -> Option<StaffPost> {
    Some(StaffPost {
        venue_id: uint_of(v, "venue_id")?,
        venue_name: str_of(v, "venue_name")?,
        address: str_of(v, "address")?,
        category: enum_of(v, "category", Category::parse)?,
        pcr_required: bool_of(v, "pcr_required")?,
    })
}

pub fn roles(v: &JsValue) -> Option<Roles> {
    Some(Roles {
        owner_of: list_or_empty(v, "owner_of", business_ref)?,
        staff_at: list_or_empty(v, "staff_at", staff_post)?,
    })
}

fn dependant(v: &JsValue) -> Option<Dependant> {
    Some(Dependant {
        id: str_of(v, "id")?,
        masked_name: str_of(v, "masked_name")?,
        masked_iin: str_of(v, "masked_iin")?,
    })
}

pub fn session(v: &JsValue) -> Option<SessionResponse> {
    let r = get(v, "roles");
    Some(SessionResponse {
        token: str_of(v, "token")?,
        expires_at: int_of(v, "expires_at")?,
        profile: profile(&obj_of(v, "profile")?)?,
        roles: if r.is_null() || r.is_undefined() {
            Roles::default()
        } else {
            roles(&r)?
        },
        dependants: list_or_empty(v, "dependants", dependant)?,
    })
}

/// The roles as the role module reads them (the wire shape of [`Roles`]).
pub fn roles_js(r: &Roles) -> JsValue {
    let owner: Vec<JsValue> = r
        .owner_of
        .iter()
        .map(|b| {
            obj(&[
                ("bin", JsValue::from_str(&b.bin)),
                ("name", JsValue::from_str(&b.name)),
            ])
        })
        .collect();
    let staff: Vec<JsValue> = r
        .staff_at
        .iter()
        .map(|p| {
            obj(&[
                ("venue_id", JsValue::from_f64(p.venue_id as f64)),
                ("venue_name", JsValue::from_str(&p.venue_name)),
                ("address", JsValue::from_str(&p.address)),
                ("category", JsValue::from_str(p.category.as_str())),
                ("pcr_required", JsValue::from_bool(p.pcr_required)),
            ])
        })
        .collect();
    obj(&[("owner_of", js::arr(&owner)), ("staff_at", js::arr(&staff))])
}

pub fn session_js(r: &SessionResponse) -> JsValue {
    let deps: Vec<JsValue> = r
        .dependants
        .iter()
        .map(|d| {
            obj(&[
                ("id", JsValue::from_str(&d.id)),
                ("masked_name", JsValue::from_str(&d.masked_name)),
                ("masked_iin", JsValue::from_str(&d.masked_iin)),
            ])
        })
        .collect();
    obj(&[
        ("token", JsValue::from_str(&r.token)),
        ("expires_at", JsValue::from_f64(r.expires_at as f64)),
        (
            "profile",
            obj(&[
                ("masked_name", JsValue::from_str(&r.profile.masked_name)),
                ("masked_iin", JsValue::from_str(&r.profile.masked_iin)),
            ]),
        ),
        ("roles", roles_js(&r.roles)),
        ("dependants", js::arr(&deps)),
    ])
}

pub fn status(v: &JsValue) -> Option<StatusResponse> {
    Some(StatusResponse {
        status: enum_of(v, "status", Status::parse)?,
        since: opt(v, "since", int)?,
        valid_until: opt(v, "valid_until", int)?,
        as_of: int_of(v, "as_of")?,
    })
}

pub fn visit(v: &JsValue) -> Option<Visit> {
    Some(Visit {
        id: str_of(v, "id")?,
        venue_id: uint_of(v, "venue_id")?,
        venue_name: str_of(v, "venue_name")?,
        address: str_of(v, "address")?,
        category: enum_of(v, "category", Category::parse)?,
        entrance: uint_of(v, "entrance")?,
        entered_at: int_of(v, "entered_at")?,
        exited_at: opt(v, "exited_at", int)?,
        exit_kind: opt(v, "exit_kind", |k| ExitKind::parse(&k.as_string()?))?,
        cancelled: bool_of(v, "cancelled")?,
        by_staff: bool_of(v, "by_staff").unwrap_or(false),
        disputed: bool_of(v, "disputed").unwrap_or(false),
    })
}

pub fn visits(v: &JsValue) -> Option<VisitList> {
    Some(VisitList {
        visits: list(v, "visits", visit)?,
    })
}

pub fn pass(v: &JsValue) -> Option<PassResponse> {
    Some(PassResponse {
        token: str_of(v, "token")?,
        issued_at: int_of(v, "issued_at")?,
        expires_at: int_of(v, "expires_at")?,
    })
}

pub fn check_in(v: &JsValue) -> Option<CheckInResponse> {
    Some(CheckInResponse {
        visit: visit(&obj_of(v, "visit")?)?,
        direction: enum_of(v, "direction", Direction::parse)?,
        status: status(&obj_of(v, "status")?)?,
        admission: admission(&obj_of(v, "admission")?)?,
        pass: pass(&obj_of(v, "pass")?)?,
        closed_visit_id: opt(v, "closed_visit_id", JsValue::as_string)?,
        party: list_or_empty(v, "party", party_member)?,
    })
}

fn admission(v: &JsValue) -> Option<Admission> {
    Some(Admission {
        admitted: bool_of(v, "admitted")?,
        reason: enum_of(v, "reason", AdmissionReason::parse)?,
    })
}

fn party_member(v: &JsValue) -> Option<PartyMember> {
    Some(PartyMember {
        dependant_id: str_of(v, "dependant_id")?,
        masked_name: str_of(v, "masked_name")?,
        visit_id: str_of(v, "visit_id")?,
        status: enum_of(v, "status", Status::parse)?,
        admission: admission(&obj_of(v, "admission")?)?,
    })
}

pub fn citizen(v: &JsValue) -> Option<DemoCitizen> {
    Some(DemoCitizen {
        iin: str_of(v, "iin")?,
        name: str_of(v, "name")?,
        lastname: str_of(v, "lastname")?,
        phone: str_of(v, "phone")?,
        aitu_id: str_of(v, "aitu_id")?,
        telegram_id: int_of(v, "telegram_id")?,
        vk_id: int_of(v, "vk_id")?,
        expected_status: enum_of(v, "expected_status", Status::parse)?,
    })
}

/// The citizens of `GET /dev/api/demo` (the rest of its answer is for the host emulator).
pub fn demo_citizens(v: &JsValue) -> Option<Vec<DemoCitizen>> {
    list(v, "citizens", citizen)
}

/// The venue key map of `GET /v1/keys`.
pub fn venue_keys(v: &JsValue) -> Option<Vec<(String, String)>> {
    string_map(&get(v, "venue_keys"))
}

/// `error.code` of an error body.
pub fn error_code(v: &JsValue) -> Option<String> {
    str_of(&obj_of(v, "error")?, "code")
}

pub fn check_in_request(r: &CheckInRequest) -> String {
    let body = obj(&[
        ("code", JsValue::from_str(&r.code)),
        ("client_visit_id", JsValue::from_str(&r.client_visit_id)),
    ]);
    // As serde writes it: the list only when someone comes along.
    if !r.dependants.is_empty() {
        let ids: Vec<JsValue> = r.dependants.iter().map(|d| JsValue::from_str(d)).collect();
        set(&body, "dependants", &js::arr(&ids));
    }
    stringify(&body)
}

/// `{"proof":{"kind":…,…}}`, as serde writes the internally tagged `HostProof` (Aitu's
/// `me` and `phone` are the host's results, parsed back from the text they were kept as).
pub fn session_request(p: &Proof) -> String {
    let p = match p {
        Proof::Aitu { me, phone } => obj(&[
            ("kind", JsValue::from_str("aitu")),
            ("me", parse(me).unwrap_or(JsValue::NULL)),
            ("phone", parse(phone).unwrap_or(JsValue::NULL)),
        ]),
        Proof::Telegram { init_data } => obj(&[
            ("kind", JsValue::from_str("telegram")),
            ("init_data", JsValue::from_str(init_data)),
        ]),
        Proof::Vk { launch_params } => obj(&[
            ("kind", JsValue::from_str("vk")),
            ("launch_params", JsValue::from_str(launch_params)),
        ]),
        Proof::Dev { iin } => obj(&[
            ("kind", JsValue::from_str("dev")),
            ("iin", JsValue::from_str(iin)),
        ]),
    };
    stringify(&obj(&[("proof", p)]))
}
