// Shared by `examples/gen_vectors.rs` (writes the files) and `tests/vectors.rs` (checks
// that the files are exactly what this produces). Deterministic: fixed seeds and times.
#![allow(dead_code)] // each includer uses a different part

use std::collections::BTreeMap;

use ashyq_core::keys::{KeyId, KeySet, Signer};
use ashyq_core::pass::{self, PassClaims};
use ashyq_core::status::Status;
use ashyq_core::venue::{self, Category, Direction, VenueInfo};
use serde_json::{json, Value};

pub const ISSUED_AT: i64 = 1_790_000_000;

pub fn venue_signer() -> Signer {
    Signer::from_seed([0x11; 32])
}
pub fn rotated_signer() -> Signer {
    Signer::from_seed([0x22; 32])
}
pub fn stranger() -> Signer {
    Signer::from_seed([0x33; 32])
}
pub fn pass_signer() -> Signer {
    Signer::from_seed([0x44; 32])
}

fn keys_json(signers: &[&Signer]) -> Value {
    let mut set = KeySet::default();
    for s in signers {
        set.insert(s.key_id(), s.verifying_key());
    }
    json!(set.to_b64_map())
}

fn info_json(key_id: KeyId, i: &VenueInfo) -> Value {
    json!({
        "key_id": key_id.to_string(),
        "venue_id": i.venue_id,
        "entrance": i.entrance,
        "direction": i.direction,
        "business_name": i.business_name,
        "bin": i.bin,
        "address": i.address,
        "category": i.category,
        "pcr_required": i.pcr_required,
        "issued_at": i.issued_at,
    })
}

const NAMES: [(&str, &str); 11] = [
    (
        "Азық-түлік дүкені «Береке»",
        "Астана, Қабанбай батыр даңғылы 53",
    ),
    ("Дәріхана «Биосфера»", "Алматы, Абай даңғылы 10"),
    ("Ресторан «Алаша»", "Алматы, Орбита-2, 25"),
    ("ТРЦ «Mega Silk Way»", "Астана, Қабанбай батыр даңғылы 62"),
    ("Фитнес-клуб «Сұңқар»", "Шымкент, Тәуке хан даңғылы 3"),
    ("Кинотеатр «Арман»", "Алматы, Қабанбай батыр 83"),
    ("Школа-лицей №165", "Алматы, мкр. Шугыла 341/5"),
    ("Қалалық емхана №1", "Қарағанды, Бұқар жырау 32"),
    ("ЦОН Есильского района", "Астана, Сыганак 18/1"),
    ("Международный аэропорт Алматы", "Алматы, Майлина 2"),
    ("Ashyq Demo LLP", "Aktobe, Abilkhair Khan Ave 40"),
];

fn info(n: usize) -> VenueInfo {
    let category = Category::ALL[n % Category::ALL.len()];
    let (name, address) = NAMES[n % NAMES.len()];
    VenueInfo {
        venue_id: 100 + n as u64,
        entrance: (n % 3 + 1) as u8,
        direction: if n % 2 == 0 {
            Direction::In
        } else {
            Direction::Out
        },
        business_name: name.into(),
        bin: "180340021791".into(),
        address: address.into(),
        category,
        pcr_required: category.pcr_required_by_default(),
        issued_at: ISSUED_AT + n as i64,
    }
}

fn flip_char(body: &str, at: usize) -> String {
    let mut b = body.as_bytes().to_vec();
    // Swap between two base64url letters so the text stays decodable.
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).expect("ascii")
}

/// Flips one bit of the decoded payload and re-encodes (keeps the signature).
fn flip_payload_bit(code_body: &str, byte: usize) -> String {
    let (p, s) = code_body.split_once('.').expect("body has a dot");
    let mut bytes = ashyq_core::encoding::b64_decode(p).expect("valid b64");
    bytes[byte] ^= 0x01;
    format!("{}.{}", ashyq_core::encoding::b64_encode(&bytes), s)
}

fn flip_sig_bit(code_body: &str) -> String {
    let (p, s) = code_body.split_once('.').expect("body has a dot");
    let mut bytes = ashyq_core::encoding::b64_decode(s).expect("valid b64");
    bytes[17] ^= 0x80;
    format!("{}.{}", p, ashyq_core::encoding::b64_encode(&bytes))
}

/// Payload signed by `signer` but naming `claimed` as its key.
fn sign_claiming(payload_of: &VenueInfo, claimed: KeyId, signer: &Signer) -> String {
    let payload = venue::encode_payload(payload_of, claimed).expect("valid");
    venue::seal_raw(&payload, signer).bare()
}

fn invalid(name: &str, code: String, keys: &Value, error: &str) -> Value {
    json!({"name": name, "code": code, "public_keys": keys, "valid": false, "error": error})
}

pub fn venue_vectors() -> Value {
    let s = venue_signer();
    let r = rotated_signer();
    let keys = keys_json(&[&s, &r]);
    let mut out = Vec::new();
    // Valid: every category, both directions, both text forms, Cyrillic names.
    for n in 0..Category::ALL.len() {
        let i = info(n);
        let signer = if n == 5 { &r } else { &s };
        let code = venue::sign(&i, signer).expect("valid");
        let text = if n % 2 == 0 {
            code.url("ashyq.kz")
        } else {
            code.bare()
        };
        out.push(json!({
            "name": format!("valid {} {}", i.category.as_str(), i.direction.as_str()),
            "code": text, "public_keys": keys, "valid": true, "fields": info_json(signer.key_id(), &i)
        }));
    }
    let mut longest = info(0);
    longest.business_name = "Ж".repeat(32);
    longest.address = "Қ".repeat(48);
    longest.venue_id = (1 << 53) - 1;
    longest.entrance = 255;
    let code = venue::sign(&longest, &s).expect("valid");
    out.push(json!({"name": "valid longest fields (64-byte name, 96-byte address)",
        "code": code.url("ashyq.kz"), "public_keys": keys, "valid": true, "fields": info_json(s.key_id(), &longest)}));
    let mut html = info(2);
    html.business_name = "<img src=x onerror=alert(1)>".into();
    let code = venue::sign(&html, &s).expect("valid");
    out.push(json!({"name": "valid name that looks like HTML (render as text)",
        "code": code.bare(), "public_keys": keys, "valid": true, "fields": info_json(s.key_id(), &html)}));
    let mut pcr = info(2);
    pcr.pcr_required = true;
    let code = venue::sign(&pcr, &s).expect("valid");
    out.push(
        json!({"name": "valid restaurant that requires PCR", "code": code.url("ashyq.kz:8443"),
        "public_keys": keys, "valid": true, "fields": info_json(s.key_id(), &pcr)}),
    );
    let code = venue::sign(&info(1), &s).expect("valid");
    out.push(json!({"name": "valid dev URL on localhost", "code": code.url_with_origin("http://127.0.0.1:8080"),
        "public_keys": keys, "valid": true, "fields": info_json(s.key_id(), &info(1))}));

    // Invalid.
    let base = venue::sign(&info(0), &s).expect("valid");
    let body = base.body().to_owned();
    let bare = |b: &str| format!("{}{}", venue::BARE_PREFIX, b);
    out.push(invalid(
        "one bit flipped in the payload (name)",
        bare(&flip_payload_bit(&body, 30)),
        &keys,
        "bad_signature",
    ));
    out.push(invalid(
        "one bit flipped in the payload (venue id)",
        bare(&flip_payload_bit(&body, 5)),
        &keys,
        "bad_signature",
    ));
    out.push(invalid(
        "one bit flipped in the signature",
        bare(&flip_sig_bit(&body)),
        &keys,
        "bad_signature",
    ));
    out.push(invalid(
        "one character changed in the payload",
        bare(&flip_char(&body, 12)),
        &keys,
        "bad_signature",
    ));
    out.push(invalid(
        "truncated inside the signature",
        bare(&body[..body.len() - 10]),
        &keys,
        "bad_signature",
    ));
    let half = body.split_once('.').expect("dot").0;
    out.push(invalid(
        "truncated before the signature",
        bare(&half[..half.len() / 2]),
        &keys,
        "bad_signature",
    ));
    out.push(invalid(
        "signed by another key under a known key id",
        sign_claiming(&info(0), s.key_id(), &stranger()),
        &keys,
        "bad_signature",
    ));
    out.push(invalid(
        "signed by an unknown key",
        venue::sign(&info(0), &stranger()).expect("valid").bare(),
        &keys,
        "unknown_key",
    ));
    out.push(invalid(
        "valid code but the verifier has only the rotated key",
        base.bare(),
        &keys_json(&[&r]),
        "unknown_key",
    ));
    let mut future = venue::encode_payload(&info(0), s.key_id()).expect("valid");
    future[0] = 2;
    out.push(invalid(
        "future format version 2",
        venue::seal_raw(&future, &s).bare(),
        &keys,
        "unsupported_version",
    ));
    let full = venue::encode_payload(&info(0), s.key_id()).expect("valid");
    out.push(invalid(
        "signed payload cut after the entrance (missing fields)",
        venue::seal_raw(&full[..7], &s).bare(),
        &keys,
        "missing_field",
    ));
    let no_addr_len = full.len() - info(0).address.len() - 1;
    out.push(invalid(
        "signed payload without the address",
        venue::seal_raw(&full[..no_addr_len], &s).bare(),
        &keys,
        "missing_field",
    ));
    out.push(invalid(
        "signed payload of only the version and key id",
        venue::seal_raw(&full[..5], &s).bare(),
        &keys,
        "missing_field",
    ));
    let with = |idx: usize, val: u8| {
        let mut p = full.clone();
        p[idx] = val;
        venue::seal_raw(&p, &s).bare()
    };
    // Offsets: 0 version, 1..5 key id, 5 venue id (1 byte for id 100), 6 entrance, 7 flags, 8 category.
    out.push(invalid(
        "entrance 0",
        with(6, 0),
        &keys,
        "field_out_of_range",
    ));
    out.push(invalid(
        "unknown flag bit",
        with(7, 0b100),
        &keys,
        "field_out_of_range",
    ));
    out.push(invalid(
        "category 11 does not exist",
        with(8, 11),
        &keys,
        "field_out_of_range",
    ));
    out.push(invalid(
        "venue id 0",
        with(5, 0),
        &keys,
        "field_out_of_range",
    ));
    out.push(invalid(
        "BIN with a wrong check digit",
        with(13, full[13] ^ 1),
        &keys,
        "field_out_of_range",
    ));
    let mut trailing = full.clone();
    trailing.push(0);
    out.push(invalid(
        "trailing byte after the address",
        venue::seal_raw(&trailing, &s).bare(),
        &keys,
        "too_long",
    ));
    let mut ctl = info(0);
    ctl.business_name = "Береке".into();
    let mut ctl_payload = venue::encode_payload(&ctl, s.key_id()).expect("valid");
    let pos = ctl_payload.len() - ctl.address.len() - 2; // last byte of the name
    ctl_payload[pos] = b'\n';
    out.push(invalid(
        "control character in the name",
        venue::seal_raw(&ctl_payload, &s).bare(),
        &keys,
        "field_out_of_range",
    ));
    out.push(invalid(
        "junk text",
        "hello, world".into(),
        &keys,
        "bad_prefix",
    ));
    out.push(invalid("empty", String::new(), &keys, "bad_prefix"));
    out.push(invalid(
        "10 KB of garbage",
        "ASHYQ1:".to_string() + &"Zz9_".repeat(2560),
        &keys,
        "too_long",
    ));
    out.push(invalid(
        "not base64url",
        bare("Ab$d.efgh"),
        &keys,
        "bad_base64",
    ));
    out.push(invalid(
        "base64 padding",
        bare(&(body.clone() + "==")),
        &keys,
        "bad_base64",
    ));
    out.push(invalid(
        "lower-case prefix",
        format!("ashyq1:{body}"),
        &keys,
        "bad_prefix",
    ));
    out.push(invalid(
        "wrong URL path",
        format!("https://ashyq.kz/v/2#{body}"),
        &keys,
        "bad_prefix",
    ));
    out.push(invalid(
        "plain http to a non-local host",
        format!("http://ashyq.kz/v/1#{body}"),
        &keys,
        "bad_prefix",
    ));
    out.push(invalid(
        "a pass token is not a venue code",
        pass_token(&claims(), &pass_signer()),
        &keys,
        "bad_prefix",
    ));
    Value::Array(out)
}

pub fn claims() -> PassClaims {
    PassClaims {
        visit_id: "6f1d2c4e-8a5b-4c3d-9e7f-0a1b2c3d4e5f".into(),
        masked_name: "Айгерим С.".into(),
        status: Status::Green,
        venue_id: 100,
        entrance: 1,
        direction: Direction::In,
        issued_at: ISSUED_AT,
        expires_at: ISSUED_AT + 300,
    }
}

fn pass_token(c: &PassClaims, s: &Signer) -> String {
    pass::sign(c, s).expect("valid claims")
}

fn claims_json(c: &PassClaims) -> Value {
    serde_json::to_value(c).expect("serializes")
}

pub fn pass_vectors() -> Value {
    let s = pass_signer();
    let keys = keys_json(&[&s]);
    let mut out = Vec::new();
    let now = ISSUED_AT + 60;
    for status in [Status::Red, Status::Yellow, Status::Blue, Status::Green] {
        let mut c = claims();
        c.status = status;
        c.direction = if status == Status::Blue {
            Direction::Out
        } else {
            Direction::In
        };
        out.push(
            json!({"name": format!("valid {}", status.as_str()), "token": pass_token(&c, &s),
            "public_keys": keys, "now": now, "valid": true, "claims": claims_json(&c)}),
        );
    }
    let t = pass_token(&claims(), &s);
    let inv = |name: &str, token: String, now: i64, error: &str| json!({"name": name, "token": token, "public_keys": keys, "now": now, "valid": false, "error": error});
    out.push(inv(
        "expired: a screenshot",
        t.clone(),
        ISSUED_AT + 300,
        "expired",
    ));
    out.push(inv(
        "expired long ago",
        t.clone(),
        ISSUED_AT + 86_400,
        "expired",
    ));
    let body = t.strip_prefix(pass::PREFIX).expect("prefix").to_owned();
    out.push(inv(
        "one bit flipped in the payload",
        format!("{}{}", pass::PREFIX, flip_payload_bit(&body, 20)),
        now,
        "bad_signature",
    ));
    out.push(inv(
        "one bit flipped in the signature",
        format!("{}{}", pass::PREFIX, flip_sig_bit(&body)),
        now,
        "bad_signature",
    ));
    out.push(inv(
        "signed by an unknown key",
        pass_token(&claims(), &stranger()),
        now,
        "unknown_key",
    ));
    out.push(inv(
        "a venue code is not a pass",
        venue::sign(&info(0), &venue_signer())
            .expect("valid")
            .bare(),
        now,
        "bad_prefix",
    ));
    let mut unknown_status = pass::encode_payload(&claims(), s.key_id()).expect("valid");
    let status_at = 5 + 1 + claims().visit_id.len() + 1 + claims().masked_name.len();
    unknown_status[status_at] = 255;
    out.push(inv(
        "status byte UNKNOWN",
        pass::seal_raw(&unknown_status, &s),
        now,
        "field_out_of_range",
    ));
    let mut v2 = pass::encode_payload(&claims(), s.key_id()).expect("valid");
    v2[0] = 1; // the venue-code version byte
    out.push(inv(
        "venue-code version byte",
        pass::seal_raw(&v2, &s),
        now,
        "unsupported_version",
    ));
    out.push(inv("empty", String::new(), now, "bad_prefix"));
    Value::Array(out)
}

/// Venue codes as host start parameters (`venue::to_start_param`): the valid venue
/// vectors mapped, and parameters that are not codes.
pub fn start_param_vectors() -> Value {
    let mut out = Vec::new();
    if let Value::Array(cases) = venue_vectors() {
        for c in cases.iter().filter(|c| c["valid"] == Value::Bool(true)) {
            let code = c["code"].as_str().expect("code");
            let param = venue::to_start_param(code).expect("maps");
            let bare = venue::from_start_param(&param).expect("back");
            out.push(json!({
                "name": c["name"], "code": code, "start_param": param, "bare": bare
            }));
        }
    }
    for (name, param) in [
        ("another bot's parameter", "ref_12345"),
        ("empty", ""),
        ("prefix only", "c1"),
        ("no room for the signature", "c1AAAA"),
        ("a dot is not allowed", "c1AAAA.BBBB"),
    ] {
        out.push(json!({ "name": name, "start_param": param, "bare": null }));
    }
    Value::Array(out)
}

/// The two files as written to disk (pretty JSON, trailing newline).
pub fn render(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serializes");
    s.push('\n');
    s
}

pub fn keyset_from(v: &Value) -> KeySet {
    let map: BTreeMap<String, String> = serde_json::from_value(v.clone()).expect("key map");
    KeySet::from_b64_map(&map).expect("valid keys")
}
