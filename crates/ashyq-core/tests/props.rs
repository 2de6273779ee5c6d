//! Property tests: encode → parse round-trips, and any single-byte change to a signed code
//! or token is rejected, and a status report's `since` is when its colour began.
//! Run: cargo test -p ashyq-core --test props
use ashyq_core::keys::{KeySet, Signer};
use ashyq_core::pass::{self, PassClaims};
use ashyq_core::status::{evaluate, HealthRecords, PcrResult, Policy, Status, Vaccination};
use ashyq_core::venue::{self, Category, Direction, VenueInfo, MAX_VENUE_ID};
use proptest::prelude::*;

fn signer() -> Signer {
    Signer::from_seed([0x5a; 32])
}

fn keys() -> KeySet {
    let mut k = KeySet::default();
    k.insert(signer().key_id(), signer().verifying_key());
    k
}

/// Printable text of 1..=max UTF-8 bytes, mixing Latin, Cyrillic, Kazakh and symbols.
fn text(max_bytes: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range('a', 'z'),
            proptest::char::range('А', 'я'),
            Just('Қ'),
            Just('ү'),
            Just('«'),
            Just('<'),
            Just(' '),
            proptest::char::range('0', '9'),
        ],
        1..max_bytes,
    )
    .prop_map(move |cs| {
        let mut s = String::new();
        for c in cs {
            if s.len() + c.len_utf8() > max_bytes {
                break;
            }
            s.push(c);
        }
        s
    })
    .prop_filter("printable", |s| !s.is_empty())
}

fn valid_bin() -> impl Strategy<Value = String> {
    (0u8..100, 1u8..=12, 4u8..=6, 0u32..1_000_000).prop_filter_map(
        "check digit 10",
        |(yy, mm, t, rest)| {
            ashyq_core::id::with_check_digit(&format!("{yy:02}{mm:02}{t}{rest:06}"))
        },
    )
}

prop_compose! {
    fn venue_info()(
        venue_id in 1..=MAX_VENUE_ID,
        entrance in 1u8..=255,
        out in any::<bool>(),
        business_name in text(venue::MAX_NAME_BYTES),
        bin in valid_bin(),
        address in text(venue::MAX_ADDRESS_BYTES),
        cat in 0usize..Category::ALL.len(),
        pcr_required in any::<bool>(),
        issued_at in 1i64..(1 << 40),
    ) -> VenueInfo {
        VenueInfo {
            venue_id, entrance,
            direction: if out { Direction::Out } else { Direction::In },
            business_name, bin, address,
            category: Category::ALL[cat], pcr_required, issued_at,
        }
    }
}

prop_compose! {
    fn pass_claims()(
        visit_id in "[A-Za-z0-9-]{1,64}",
        masked_name in text(pass::MAX_MASKED_NAME_BYTES),
        st in 0u8..4,
        venue_id in 1..=MAX_VENUE_ID,
        entrance in 1u8..=255,
        out in any::<bool>(),
        issued_at in 1i64..(1 << 39),
        life in 1i64..100_000,
    ) -> PassClaims {
        PassClaims {
            visit_id, masked_name,
            status: Status::from_byte(st).expect("0..4 are statuses"),
            venue_id, entrance,
            direction: if out { Direction::Out } else { Direction::In },
            issued_at, expires_at: issued_at + life,
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn venue_codes_round_trip(info in venue_info(), url in any::<bool>()) {
        let code = venue::sign(&info, &signer()).expect("valid fields sign");
        let text = if url { code.url("ashyq.kz") } else { code.bare() };
        let parsed = venue::parse(&text, &keys()).expect("own code parses");
        prop_assert_eq!(parsed.info, info);
    }

    #[test]
    fn any_single_byte_change_to_a_venue_code_is_rejected(
        info in venue_info(), pos in any::<prop::sample::Index>(), byte in any::<u8>()
    ) {
        let text = venue::sign(&info, &signer()).expect("valid").bare();
        let mut bytes = text.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        // A change that leaves invalid UTF-8 cannot even be scanned as text.
        if let Ok(changed) = String::from_utf8(bytes) {
            // Whitespace at the ends is trimmed like a scanner's stray newline: same code.
            prop_assume!(changed.trim() != text);
            prop_assert!(venue::parse(&changed, &keys()).is_err(), "accepted {}", changed);
        }
    }

    #[test]
    fn pass_tokens_round_trip(c in pass_claims()) {
        let token = pass::sign(&c, &signer()).expect("valid claims sign");
        prop_assert_eq!(pass::verify(&token, &keys(), c.issued_at), Ok(c.clone()));
        prop_assert!(pass::verify(&token, &keys(), c.expires_at).is_err());
    }

    #[test]
    fn any_single_byte_change_to_a_pass_is_rejected(
        c in pass_claims(), pos in any::<prop::sample::Index>(), byte in any::<u8>()
    ) {
        let token = pass::sign(&c, &signer()).expect("valid");
        let mut bytes = token.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        if let Ok(changed) = String::from_utf8(bytes) {
            prop_assume!(changed.trim() != token);
            prop_assert!(pass::verify(&changed, &keys(), c.issued_at).is_err());
        }
    }

    #[test]
    fn parsers_never_panic_on_junk(s in ".{0,600}") {
        let _ = venue::parse(&s, &keys());
        let _ = pass::verify(&s, &keys(), 0);
    }
}

#[test]
fn the_longest_code_fits_a_version_15_m_qr() {
    // Worst case: 64-byte Cyrillic name, 96-byte address, the largest ids, and a URL host
    // as long as a real deployment's.
    let info = VenueInfo {
        venue_id: MAX_VENUE_ID,
        entrance: 255,
        direction: Direction::Out,
        business_name: "Ж".repeat(32),
        bin: "180340021791".into(),
        address: "Қ".repeat(48),
        category: Category::TransportHub,
        pcr_required: true,
        issued_at: (1 << 40) - 1,
    };
    let text = venue::sign(&info, &signer())
        .expect("valid")
        .url("ashyq.gov.kz");
    let qr = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .expect("fits some QR");
    let qrcode::Version::Normal(v) = qr.version() else {
        panic!("micro QR for {} bytes?", text.len());
    };
    assert!(v <= 15, "{} bytes need QR version {v}", text.len());
}

prop_compose! {
    fn health_records()(
        pcr in proptest::collection::vec((0i64..400, any::<bool>()), 0..4),
        contacts in proptest::collection::vec(0i64..400, 0..3),
        vaccinations in proptest::collection::vec((0i64..400, any::<bool>()), 0..2),
        recoveries in proptest::collection::vec(0i64..400, 0..2),
    ) -> HealthRecords {
        HealthRecords {
            pcr: pcr.into_iter().map(|(taken_at, positive)| PcrResult { taken_at, positive }).collect(),
            contacts,
            vaccinations: vaccinations
                .into_iter()
                .map(|(at, course_complete)| Vaccination { at, course_complete })
                .collect(),
            recoveries,
        }
    }
}

proptest! {
    /// `since` is when the current colour began: the colour was the same at every moment
    /// from `since` to now, and different just before (BLUE without `since` was BLUE all
    /// along). Periods are short so that colours follow each other within the range.
    #[test]
    fn since_is_the_start_of_the_current_colour(
        records in health_records(),
        now in 0i64..500,
        probe in 0i64..500,
    ) {
        let policy = Policy {
            red_period: 10,
            contact_period: 14,
            vaccination_period: 365,
            recovery_period: 90,
            negative_pcr_period: 7,
            ..Policy::default()
        };
        let r = evaluate(&records, now, &policy);
        let at = |t| evaluate(&records, t, &policy).status;
        match r.since {
            Some(since) => {
                prop_assert!(since <= now);
                prop_assert_eq!(at(since), r.status);
                prop_assert_ne!(at(since - 1), r.status);
                let t = since + probe % (now - since + 1);
                prop_assert_eq!(at(t), r.status, "at {}", t);
            }
            None => {
                prop_assert_eq!(r.status, Status::Blue);
                prop_assert_eq!(at(now - probe), Status::Blue, "at {}", now - probe);
            }
        }
    }
}
