//! Checks of the identity proofs each host signs (DESIGN §5), used by the server to open
//! a session; the `*_sign` functions produce the same proofs for emulators and tests.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::encoding::{b64_encode, hex_decode, hex_encode, parse_query, uri_component_encode};
use crate::Timestamp;

type HmacSha256 = Hmac<Sha256>;

/// How far a host's clock may run ahead of ours before a dated proof counts as forged.
pub const MAX_CLOCK_SKEW: i64 = 60;

/// The oldest a dated proof (Telegram `auth_date`, VK `vk_ts`) may be to open a new
/// session, unless the server is configured otherwise. A proof is a bearer credential
/// that sits in the page's URL; keeping it short-lived bounds what a copy of it is worth.
pub const DEFAULT_PROOF_MAX_AGE: i64 = crate::HOUR;

/// The longest session an Aitu proof opens. Nothing Aitu signs carries a time, so the
/// bytes of a captured GetMe/GetPhone pair and of the user's own next launch are the
/// same. The server remembers each pair that opened a session ([`AituIdentity::pair`])
/// until that session ends and refuses it meanwhile, so a pair opens at most one session
/// at a time; this bounds how long that is (docs/SECURITY.md, "Host platform").
pub const AITU_MAX_SESSION: i64 = crate::HOUR;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("the proof is malformed")]
    Malformed,
    #[error("the proof's signature does not match")]
    BadSignature,
    #[error("the proof is too old")]
    Stale,
    #[error("the proof is dated in the future")]
    FromTheFuture,
    #[error("the proof was made for another app")]
    WrongApp,
}

impl ProofError {
    pub fn code(self) -> &'static str {
        match self {
            ProofError::Malformed => "proof_malformed",
            ProofError::BadSignature => "proof_bad_signature",
            ProofError::Stale => "proof_stale",
            ProofError::FromTheFuture => "proof_from_the_future",
            ProofError::WrongApp => "proof_wrong_app",
        }
    }
}

/// Whether a proof dated `at` may open a session at `now`: at most `max_age` seconds old
/// and at most [`MAX_CLOCK_SKEW`] ahead.
fn fresh(at: Timestamp, now: Timestamp, max_age: i64) -> Result<(), ProofError> {
    if at.saturating_sub(now) > MAX_CLOCK_SKEW {
        Err(ProofError::FromTheFuture)
    } else if now.saturating_sub(at) > max_age {
        Err(ProofError::Stale)
    } else {
        Ok(())
    }
}

fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac =
        HmacSha256::new_from_slice(key).expect("unreachable: HMAC takes keys of any length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Constant-time check of `hex_tag` against HMAC-SHA256(key, msg).
fn hmac_matches(key: &[u8], msg: &[u8], hex_tag: &str) -> bool {
    let Some(tag) = hex_decode(hex_tag) else {
        return false;
    };
    let mut mac =
        HmacSha256::new_from_slice(key).expect("unreachable: HMAC takes keys of any length");
    mac.update(msg);
    mac.verify_slice(&tag).is_ok()
}

// ---------------------------------------------------------------- Aitu

/// Drops values that the Aitu signing rule skips: 0, null, false, "", [] and {} — after
/// pruning their insides.
fn prune(v: &Value) -> Option<Value> {
    match v {
        Value::Null | Value::Bool(false) => None,
        Value::Number(n) if n.as_f64() == Some(0.0) => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(a) => {
            let kept: Vec<Value> = a.iter().filter_map(prune).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(o) => {
            let kept: serde_json::Map<String, Value> = o
                .iter()
                .filter_map(|(k, v)| prune(v).map(|v| (k.clone(), v)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        other => Some(other.clone()),
    }
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Object(o) => write_pairs(o, out),
        Value::Array(a) => a.iter().for_each(|x| write_value(x, out)),
        other => out.push_str(&other.to_string()),
    }
}

fn write_pairs(o: &serde_json::Map<String, Value>, out: &mut String) {
    let mut keys: Vec<&String> = o.keys().collect();
    keys.sort();
    for k in keys {
        out.push_str(k);
        out.push(':');
        write_value(&o[k], out);
    }
}

/// The string Aitu signs for a bridge result: drop the top-level `sign`, drop (recursively)
/// empty values, then `key1:value1key2:value2…` with keys sorted; nested objects are
/// written the same way in place of their value, arrays as their elements in order.
pub fn aitu_check_string(result: &Value) -> Option<String> {
    let Value::Object(o) = result else {
        return None;
    };
    let mut o = o.clone();
    o.remove("sign");
    let mut out = String::new();
    if let Some(Value::Object(pruned)) = prune(&Value::Object(o)) {
        write_pairs(&pruned, &mut out);
    }
    Some(out)
}

/// THE UNCONFIRMED STEP of Aitu's sign, kept here alone. The check string (above) follows
/// the SDK's sources; there is no primary source for what Aitu does with it (DESIGN §5),
/// so we take
/// lowercase hex of HMAC-SHA256 keyed with the app's API key, the most likely form. If
/// Aitu turns out to do otherwise, this function is the only one to change.
fn aitu_final_step(check_string: &str, api_key: &str) -> String {
    hex_encode(&hmac(api_key.as_bytes(), check_string.as_bytes()))
}

/// The `sign` Aitu attaches to a bridge result (for emulators and tests).
pub fn aitu_sign(result: &Value, api_key: &str) -> Option<String> {
    Some(aitu_final_step(&aitu_check_string(result)?, api_key))
}

/// Whether `result` carries a string `sign` that matches it, compared in constant time.
fn aitu_signed(result: &Value, api_key: &str) -> Result<(), ProofError> {
    let sign = result
        .get("sign")
        .and_then(Value::as_str)
        .ok_or(ProofError::Malformed)?;
    let expected = aitu_sign(result, api_key).ok_or(ProofError::Malformed)?;
    let same = sign.len() == expected.len()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            sign.as_bytes(),
            expected.as_bytes(),
        ));
    if same {
        Ok(())
    } else {
        Err(ProofError::BadSignature)
    }
}

/// Who an Aitu user is, from their signed GetMe and GetPhone results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AituIdentity {
    /// GetMe's `id`: the Aitu account.
    pub id: String,
    /// GetPhone's `phone`, in E.164 form (`+77012345678`).
    pub phone: String,
    /// SHA-256 of the pair's two signs: the same for every copy of this pair (a sign
    /// covers its result's content, and only one spelling of it is accepted), so a
    /// server that keeps it can refuse a replay without keeping the proof.
    pub pair: [u8; 32],
}

/// The digest that names one GetMe/GetPhone pair; the signs are fixed-length hex, so
/// their concatenation is unambiguous.
fn aitu_pair_digest(me_sign: &str, phone_sign: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::new()
        .chain_update(b"ashyq aitu proof pair\0")
        .chain_update(me_sign.as_bytes())
        .chain_update(b"\0")
        .chain_update(phone_sign.as_bytes())
        .finalize()
        .into()
}

/// The longest Aitu `id` accepted (the registry stores ids up to this length).
pub const AITU_ID_MAX: usize = 128;

/// Checks an Aitu sign-in: the result of `invoke('GetMe')` and of `invoke('GetPhone')`,
/// verbatim, each signed with the app's API key. Each must have its own exact shape, so
/// one cannot stand in for the other: GetMe an object with a non-empty string `id`
/// (at most [`AITU_ID_MAX`] bytes), a string `name` and no `phone`; GetPhone an object of
/// exactly `phone` (an E.164 number, see [`crate::id::phone_e164`]) and `sign`.
///
/// Aitu signs the two apart and neither names the other, so nothing here ties them to
/// one person: the caller must find a registry entry that holds **both** the id and the
/// phone. Nothing signed carries a time either, so a captured pair replays: the caller
/// must remember [`AituIdentity::pair`] while the session it opens lasts, refuse it
/// meanwhile, and keep that session short ([`AITU_MAX_SESSION`]).
///
/// Fails with `Malformed` when a shape is wrong, `BadSignature` when a sign does not match.
pub fn verify_aitu(me: &Value, phone: &Value, api_key: &str) -> Result<AituIdentity, ProofError> {
    let me_obj = me.as_object().ok_or(ProofError::Malformed)?;
    let id = me_obj
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty() && id.len() <= AITU_ID_MAX)
        .ok_or(ProofError::Malformed)?;
    let shaped_as_me = me_obj.get("name").is_some_and(Value::is_string)
        && !me_obj.contains_key("phone")
        && me_obj.get("sign").is_some_and(Value::is_string);
    let phone_obj = phone.as_object().ok_or(ProofError::Malformed)?;
    let shaped_as_phone =
        phone_obj.len() == 2 && phone_obj.get("sign").is_some_and(Value::is_string);
    let number = phone_obj
        .get("phone")
        .and_then(Value::as_str)
        .and_then(crate::id::phone_e164);
    let (true, true, Some(number)) = (shaped_as_me, shaped_as_phone, number) else {
        return Err(ProofError::Malformed);
    };
    aitu_signed(me, api_key)?;
    aitu_signed(phone, api_key)?;
    let sign = |v: &Value| {
        v.get("sign")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    Ok(AituIdentity {
        id: id.to_owned(),
        phone: number,
        pair: aitu_pair_digest(&sign(me), &sign(phone)),
    })
}

// ---------------------------------------------------------------- Telegram

/// The verified part of Telegram init data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelegramUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub auth_date: Timestamp,
}

fn telegram_check_string(pairs: &[(String, String)]) -> String {
    let mut fields: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k != "hash")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    fields.sort();
    fields.join("\n")
}

fn telegram_secret(bot_token: &str) -> [u8; 32] {
    hmac(b"WebAppData", bot_token.as_bytes())
}

/// The `hash` for init-data pairs (decoded), as Telegram computes it.
pub fn telegram_hash(pairs: &[(String, String)], bot_token: &str) -> String {
    let check = telegram_check_string(pairs);
    hex_encode(&hmac(&telegram_secret(bot_token), check.as_bytes()))
}

/// Init data as a Telegram client hands it over: the pairs URL-encoded in order, then
/// their `hash` (for emulators and tests).
pub fn telegram_init_data(pairs: &[(String, String)], bot_token: &str) -> String {
    let mut q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", uri_component_encode(v)))
        .collect();
    q.push(format!("hash={}", telegram_hash(pairs, bot_token)));
    q.join("&")
}

/// Checks Telegram Mini App init data (the raw `tgWebAppData` string) for a new session.
/// Fails when it is malformed, the hash does not match the bot token, `auth_date` is
/// older than `max_age` seconds (`Stale`; see [`DEFAULT_PROOF_MAX_AGE`]) or more than
/// [`MAX_CLOCK_SKEW`] ahead (`FromTheFuture`).
pub fn verify_telegram(
    init_data: &str,
    bot_token: &str,
    now: Timestamp,
    max_age: i64,
) -> Result<TelegramUser, ProofError> {
    let pairs = parse_query(init_data).ok_or(ProofError::Malformed)?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let hash = get("hash").ok_or(ProofError::Malformed)?;
    let check = telegram_check_string(&pairs);
    if !hmac_matches(&telegram_secret(bot_token), check.as_bytes(), hash) {
        return Err(ProofError::BadSignature);
    }
    let auth_date: Timestamp = get("auth_date")
        .and_then(|v| v.parse().ok())
        .ok_or(ProofError::Malformed)?;
    fresh(auth_date, now, max_age)?;
    let user: Value = serde_json::from_str(get("user").ok_or(ProofError::Malformed)?)
        .map_err(|_| ProofError::Malformed)?;
    let id = user
        .get("id")
        .and_then(Value::as_i64)
        .ok_or(ProofError::Malformed)?;
    let text = |k: &str| user.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    Ok(TelegramUser {
        id,
        first_name: text("first_name"),
        last_name: text("last_name"),
        auth_date,
    })
}

// ---------------------------------------------------------------- VK

/// The verified part of VK launch parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VkLaunch {
    pub user_id: i64,
    pub app_id: i64,
    pub ts: Timestamp,
}

fn vk_check_string(pairs: &[(String, String)]) -> String {
    let mut vk: Vec<&(String, String)> =
        pairs.iter().filter(|(k, _)| k.starts_with("vk_")).collect();
    vk.sort_by(|a, b| a.0.cmp(&b.0));
    vk.iter()
        .map(|(k, v)| format!("{}={}", uri_component_encode(k), uri_component_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `sign` for launch parameters: base64url (no padding) of HMAC-SHA256 with the app
/// secret over the sorted `vk_*` pairs joined with `&` (values percent-encoded).
pub fn vk_sign(pairs: &[(String, String)], app_secret: &str) -> String {
    b64_encode(&hmac(
        app_secret.as_bytes(),
        vk_check_string(pairs).as_bytes(),
    ))
}

/// A launch query as VK builds it: the pairs URL-encoded in order, then their `sign`
/// (for emulators and tests).
pub fn vk_launch_query(pairs: &[(String, String)], app_secret: &str) -> String {
    let mut q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", uri_component_encode(k), uri_component_encode(v)))
        .collect();
    q.push(format!("sign={}", vk_sign(pairs, app_secret)));
    q.join("&")
}

/// Checks VK launch parameters (the query string) for a new session of app `app_id`.
/// Fails when malformed (`vk_user_id`, `vk_app_id` and `vk_ts` are all required), when
/// `sign` does not match, when the launch was for another app (`WrongApp`: a secret
/// alone does not say which app it belongs to), or when `vk_ts` is older than `max_age`
/// seconds or more than [`MAX_CLOCK_SKEW`] ahead.
pub fn verify_vk(
    query: &str,
    app_secret: &str,
    app_id: i64,
    now: Timestamp,
    max_age: i64,
) -> Result<VkLaunch, ProofError> {
    let pairs = parse_query(query).ok_or(ProofError::Malformed)?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let sign = get("sign").ok_or(ProofError::Malformed)?;
    let expected = vk_sign(&pairs, app_secret);
    let same = sign.len() == expected.len()
        && subtle::ConstantTimeEq::ct_eq(sign.as_bytes(), expected.as_bytes()).into();
    if !same {
        return Err(ProofError::BadSignature);
    }
    let num = |k: &str| get(k).and_then(|v| v.parse::<i64>().ok());
    let (Some(user_id), Some(launched_for), Some(ts)) =
        (num("vk_user_id"), num("vk_app_id"), num("vk_ts"))
    else {
        return Err(ProofError::Malformed);
    };
    if launched_for != app_id {
        return Err(ProofError::WrongApp);
    }
    fresh(ts, now, max_age)?;
    Ok(VkLaunch {
        user_id,
        app_id,
        ts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn aitu_check_string_drops_empties_and_sorts() {
        let me = json!({
            "name": "Айгерим", "lastname": "Сапарова", "id": "u-1", "avatar": "",
            "avatarThumb": null, "verified": false, "age": 0, "tags": [], "meta": {"a": 0},
            "nested": {"z": 1, "b": "x"}, "sign": "zzz"
        });
        assert_eq!(
            aitu_check_string(&me).as_deref(),
            Some("id:u-1lastname:Сапароваname:Айгеримnested:b:xz:1")
        );
    }

    fn signed(mut v: Value, key: &str) -> Value {
        v["sign"] = Value::String(aitu_sign(&v, key).expect("object"));
        v
    }

    fn get_me(id: &str) -> Value {
        signed(
            json!({"id": id, "name": "Айгерим", "lastname": "Сапарова", "avatar": "",
                   "notifications_allowed": false}),
            "key",
        )
    }

    fn get_phone(phone: &str) -> Value {
        signed(json!({ "phone": phone }), "key")
    }

    #[test]
    fn aitu_sign_in_names_the_account_and_the_exact_phone() {
        assert_eq!(
            verify_aitu(&get_me("u-1"), &get_phone("+7 701 234 56 78"), "key")
                .map(|i| (i.id, i.phone)),
            Ok(("u-1".into(), "+77012345678".into()))
        );
        // A foreign number keeps its country: it can only ever match itself.
        let vn = verify_aitu(&get_me("u-2"), &get_phone("+84 70 123 4567"), "key");
        assert_eq!(vn.map(|i| i.phone).as_deref(), Ok("+84701234567"));
        // A number without its country code is not guessed at.
        for local in ["87012345678", "7012345678", "77012345678"] {
            assert_eq!(
                verify_aitu(&get_me("u-1"), &get_phone(local), "key"),
                Err(ProofError::Malformed),
                "{local}"
            );
        }
    }

    #[test]
    fn an_aitu_pair_has_one_digest_however_it_is_spelled() {
        let pair = |me: &Value, phone: &Value| verify_aitu(me, phone, "key").map(|i| i.pair);
        let me = get_me("u-1");
        let phone = get_phone("+77012345678");
        let first = pair(&me, &phone).expect("valid");
        assert_eq!(
            pair(&me, &phone),
            Ok(first),
            "the same pair, the same digest"
        );
        // Fields the sign skips (empty values) change nothing it covers: the same pair,
        // so padding a captured GetMe does not make it a new one.
        let mut padded = me.clone();
        padded["avatarThumb"] = Value::Null;
        padded["tags"] = json!([]);
        assert_eq!(pair(&padded, &phone), Ok(first));
        // Another account or another phone is another pair.
        assert_ne!(pair(&get_me("u-2"), &phone), Ok(first));
        assert_ne!(pair(&me, &get_phone("+77012345679")), Ok(first));
        // The digest is not the proof: neither sign appears in it.
        let hex = crate::encoding::hex_encode(&first);
        for v in [&me, &phone] {
            assert!(!hex.contains(v["sign"].as_str().expect("signed")));
        }
    }

    #[test]
    fn aitu_results_must_each_have_their_own_shape() {
        let me = get_me("u-1");
        let phone = get_phone("+77012345678");
        // Any other signed object with a `phone` (here a GetMe that carries one) is not
        // a GetPhone result, and a GetPhone result is not a GetMe.
        let me_with_phone = signed(
            json!({"id": "u-9", "name": "X", "phone": "+77019999999"}),
            "key",
        );
        let phone_plus = signed(json!({"phone": "+77012345678", "id": "u-9"}), "key");
        let numeric_id = signed(json!({"id": 7, "name": "X"}), "key");
        let no_name = signed(json!({"id": "u-1"}), "key");
        let long_id = get_me(&"x".repeat(AITU_ID_MAX + 1));
        let unsigned_me = json!({"id": "u-1", "name": "Айгерим"});
        for (m, p) in [
            (&me_with_phone, &me_with_phone),
            (&me, &me_with_phone),
            (&me_with_phone, &phone),
            (&me, &phone_plus),
            (&phone, &phone),
            (&me, &me),
            (&numeric_id, &phone),
            (&no_name, &phone),
            (&long_id, &phone),
            (&unsigned_me, &phone),
            (&json!("x"), &phone),
            (&me, &json!(null)),
        ] {
            assert_eq!(
                verify_aitu(m, p, "key"),
                Err(ProofError::Malformed),
                "{m} {p}"
            );
        }
    }

    #[test]
    fn aitu_signs_must_match_the_api_key_and_the_content() {
        let me = get_me("u-1");
        let phone = get_phone("+77012345678");
        assert_eq!(
            verify_aitu(&me, &phone, "other"),
            Err(ProofError::BadSignature)
        );
        let mut other_id = me.clone();
        other_id["id"] = json!("u-2");
        assert_eq!(
            verify_aitu(&other_id, &phone, "key"),
            Err(ProofError::BadSignature)
        );
        let mut other_phone = phone.clone();
        other_phone["phone"] = json!("+77019999999");
        assert_eq!(
            verify_aitu(&me, &other_phone, "key"),
            Err(ProofError::BadSignature)
        );
        let mut upper = phone.clone();
        let sign = upper["sign"].as_str().expect("signed").to_ascii_uppercase();
        upper["sign"] = json!(sign);
        assert_eq!(
            verify_aitu(&me, &upper, "key"),
            Err(ProofError::BadSignature)
        );
    }

    fn tg_init(bot: &str, auth_date: i64) -> String {
        let pairs = vec![
            ("query_id".to_string(), "AAH".to_string()),
            (
                "user".to_string(),
                r#"{"id":1000001,"first_name":"Айгерим","last_name":"С"}"#.to_string(),
            ),
            ("auth_date".to_string(), auth_date.to_string()),
        ];
        telegram_init_data(&pairs, bot)
    }

    #[test]
    fn telegram_init_data_valid_forged_and_stale() {
        let now = 1_800_000_000;
        let init = tg_init("123:ABC", now - 10);
        let user = verify_telegram(&init, "123:ABC", now, 3600).expect("valid");
        assert_eq!(user.id, 1000001);
        assert_eq!(user.first_name, "Айгерим");
        assert_eq!(
            verify_telegram(&init, "123:XYZ", now, 3600),
            Err(ProofError::BadSignature)
        );
        let forged = init.replace("1000001", "1000002");
        assert_eq!(
            verify_telegram(&forged, "123:ABC", now, 3600),
            Err(ProofError::BadSignature)
        );
        let old = tg_init("123:ABC", now - 7200);
        assert_eq!(
            verify_telegram(&old, "123:ABC", now, 3600),
            Err(ProofError::Stale)
        );
        assert_eq!(
            verify_telegram("%zz", "123:ABC", now, 3600),
            Err(ProofError::Malformed)
        );
        assert_eq!(
            verify_telegram("a=b", "123:ABC", now, 3600),
            Err(ProofError::Malformed)
        );
    }

    #[test]
    fn telegram_opens_sessions_only_with_fresh_init_data() {
        let now = 1_800_000_000;
        let ok = |at: i64| verify_telegram(&tg_init("1:A", at), "1:A", now, DEFAULT_PROOF_MAX_AGE);
        assert!(ok(now - DEFAULT_PROOF_MAX_AGE).is_ok());
        assert!(ok(now + MAX_CLOCK_SKEW).is_ok());
        // Sessions last longer than an hour; a two-hour-old copy must not start one.
        assert_eq!(ok(now - 2 * crate::HOUR), Err(ProofError::Stale));
        assert_eq!(ok(now + 10 * crate::MINUTE), Err(ProofError::FromTheFuture));
    }

    #[test]
    fn telegram_hash_matches_an_independent_computation() {
        // Computed with Python's hmac module:
        // secret = hmac.new(b"WebAppData", b"123:ABC", sha256).digest()
        // hmac.new(secret, b"auth_date=1\nquery_id=Q", sha256).hexdigest()
        let pairs = vec![
            ("query_id".to_string(), "Q".to_string()),
            ("auth_date".to_string(), "1".to_string()),
        ];
        assert_eq!(telegram_hash(&pairs, "123:ABC"), TG_EXPECTED);
    }
    const TG_EXPECTED: &str = "fd9688c801a288e59aa780ce2dbb6113840c8389434fcbe3bad425bb418c9e06";

    const VK_APP: i64 = 51234567;

    fn vk_query(fields: &[(&str, &str)]) -> String {
        let pairs: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vk_launch_query(&pairs, "secret")
    }

    fn vk_at(ts: i64) -> String {
        vk_query(&[
            ("vk_user_id", "2000001"),
            ("vk_app_id", "51234567"),
            ("vk_ts", &ts.to_string()),
            ("vk_platform", "desktop_web"),
            ("vk_language", "ru"),
        ])
    }

    #[test]
    fn vk_launch_params_valid_forged_and_stale() {
        let now = 1_800_000_000;
        let q = vk_at(now - 10);
        let launch = verify_vk(&q, "secret", VK_APP, now, 3600).expect("valid");
        assert_eq!(
            (launch.user_id, launch.app_id, launch.ts),
            (2000001, VK_APP, now - 10)
        );
        assert_eq!(
            verify_vk(&q, "other", VK_APP, now, 3600),
            Err(ProofError::BadSignature)
        );
        let forged = q.replace("2000001", "2000002");
        assert_eq!(
            verify_vk(&forged, "secret", VK_APP, now, 3600),
            Err(ProofError::BadSignature)
        );
        assert_eq!(
            verify_vk(&q, "secret", VK_APP, now + 2 * crate::HOUR, 3600),
            Err(ProofError::Stale)
        );
    }

    #[test]
    fn vk_launches_need_a_time_not_in_the_future_and_this_app() {
        let now = 1_800_000_000;
        let undated = vk_query(&[("vk_user_id", "2000001"), ("vk_app_id", "51234567")]);
        assert_eq!(
            verify_vk(&undated, "secret", VK_APP, now, 3600),
            Err(ProofError::Malformed)
        );
        let no_app = vk_query(&[("vk_user_id", "2000001"), ("vk_ts", "1799999990")]);
        assert_eq!(
            verify_vk(&no_app, "secret", VK_APP, now, 3600),
            Err(ProofError::Malformed)
        );
        // A launch dated a year ahead would otherwise stay fresh for that year.
        assert_eq!(
            verify_vk(&vk_at(now + 365 * crate::DAY), "secret", VK_APP, now, 3600),
            Err(ProofError::FromTheFuture)
        );
        assert!(verify_vk(&vk_at(now + MAX_CLOCK_SKEW), "secret", VK_APP, now, 3600).is_ok());
        assert_eq!(
            verify_vk(&vk_at(now), "secret", 42, now, 3600),
            Err(ProofError::WrongApp)
        );
    }
}
