//! `--demo`: four venues (grocery, pharmacy, restaurant, airport) and four citizens, one
//! in each status, so the emulator and the tests have something real to scan and sign
//! in as; and the business side: the GREEN citizen owns the four venues' businesses, the
//! RED citizen owns a fifth business (a café) with its own premises, the BLUE citizen is
//! door staff at the grocery, and the YELLOW citizen has a child. Seeding is idempotent
//! per day (venues by BIN, records by a dated batch id, staff by appointment).

use ashyq_core::api::{
    BusinessRow, CitizenRow, ContactRow, DemoBusiness, DemoCitizen, DemoDependant, DemoInfo,
    DemoSecrets, DemoStaff, DemoTestCodes, DemoVenue, ImportBatch, PcrRow, VaccinationRow,
};
use ashyq_core::keys::Signer;
use ashyq_core::status::Status;
use ashyq_core::venue::{self, Category, Direction};
use ashyq_core::{id, DAY};

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{Actor, AuditEntry, Lookup, NewVenue, Venue};
use crate::{dev_secrets, import, venues};

/// Completes a 9-digit prefix to a valid 12-digit IIN or BIN: the first two-digit serial
/// whose check digit exists.
pub fn complete_id(prefix9: &str) -> String {
    (0..100)
        .find_map(|n| id::with_check_digit(&format!("{prefix9}{n:02}")))
        .expect("unreachable: some serial among 100 has a check digit")
}

struct SeedCitizen {
    iin_prefix: &'static str,
    name: &'static str,
    lastname: &'static str,
    n: i64,
    status: Status,
}

const CITIZENS: [SeedCitizen; 4] = [
    SeedCitizen {
        iin_prefix: "850312300",
        name: "Асхат",
        lastname: "Нұрланов",
        n: 1,
        status: Status::Red,
    },
    SeedCitizen {
        iin_prefix: "920721400",
        name: "Айгерим",
        lastname: "Сапарова",
        n: 2,
        status: Status::Yellow,
    },
    SeedCitizen {
        iin_prefix: "781105300",
        name: "Ерлан",
        lastname: "Қасымов",
        n: 3,
        status: Status::Blue,
    },
    SeedCitizen {
        iin_prefix: "010214600",
        name: "Дана",
        lastname: "Ахметова",
        n: 4,
        status: Status::Green,
    },
];

const VENUES: [(&str, &str, &str, Category, u8); 4] = [
    (
        "180340021",
        "Береке азық-түлік дүкені",
        "Астана, Қабанбай батыр даңғылы 53",
        Category::Grocery,
        2,
    ),
    (
        "190440012",
        "Аптека «Биосфера»",
        "Алматы, проспект Абая 10",
        Category::Pharmacy,
        1,
    ),
    (
        "170540033",
        "Ресторан «Дастархан»",
        "Алматы, Достық даңғылы 85",
        Category::Restaurant,
        1,
    ),
    (
        "050940044",
        "Нұрсұлтан Назарбаев әуежайы",
        "Астана, 1-терминал",
        Category::TransportHub,
        3,
    ),
];

/// The RED citizen's own business, out of the GREEN owner's reach.
const OTHER_BUSINESS: (&str, &str, &str, Category, u8) = (
    "200640055",
    "Кофейня «Самал»",
    "Алматы, микрорайон Самал-2, 58",
    Category::Restaurant,
    1,
);

/// The YELLOW citizen's child (born 2015: under 18), with no health records (BLUE).
const CHILD: (&str, &str, &str) = ("150310500", "Алихан", "Сапаров");

pub fn demo_phone(n: i64) -> String {
    format!("+7701000000{n}")
}

/// Seeds the demo data and remembers what `/dev/api/demo` shows.
pub async fn seed(state: &AppState) -> AppResult<DemoInfo> {
    let now = state.now();
    let existing = state.store.venues().await?;
    let mut demo_venues = Vec::new();
    let mut other_venue = None;
    for (i, (bin_prefix, name, address, category, entrances)) in
        VENUES.into_iter().chain([OTHER_BUSINESS]).enumerate()
    {
        let bin = complete_id(bin_prefix);
        let v: Venue = match existing
            .iter()
            .find(|v| v.bin == bin && v.business_name == name)
        {
            Some(v) => v.clone(),
            None => {
                let new = NewVenue {
                    bin,
                    business_name: name.into(),
                    address: address.into(),
                    category,
                    pcr_required: category.pcr_required_by_default(),
                    entrances,
                };
                state.store.add_venue(&new, now).await?
            }
        };
        if i == VENUES.len() {
            other_venue = Some(v);
            continue;
        }
        let r = venues::response(state, &v).await?;
        demo_venues.push((
            v,
            DemoVenue {
                venue_id: r.venue_id,
                name: r.business_name,
                category: r.category,
                pcr_required: r.pcr_required,
                address: r.address,
                entrances: r.entrances,
            },
        ));
    }
    let day = now / DAY;
    // Records dated from the start of the day, so that seeding again the same day sends
    // the same batch (a retry) rather than other rows under the same id (a conflict).
    let today = day * DAY;
    let mut batch = ImportBatch {
        batch_id: format!("demo-seed-{day}"),
        ..Default::default()
    };
    let mut citizens = Vec::new();
    for c in &CITIZENS {
        let iin = complete_id(c.iin_prefix);
        let row = CitizenRow {
            iin: iin.clone(),
            name: c.name.into(),
            lastname: c.lastname.into(),
            phone: Some(demo_phone(c.n)),
            aitu_id: Some(format!("aitu-demo-{}", c.n)),
            telegram_id: Some(100_000_000 + c.n),
            vk_id: Some(200_000_000 + c.n),
            parent_iin: None,
            relink: false,
            change_parent: false,
        };
        match c.status {
            Status::Red => batch.pcr.push(PcrRow {
                iin: iin.clone(),
                taken_at: today - 2 * DAY,
                positive: true,
            }),
            Status::Yellow => batch.contacts.push(ContactRow {
                iin: iin.clone(),
                listed_at: today - 3 * DAY,
            }),
            Status::Green => batch.vaccinations.push(VaccinationRow {
                iin: iin.clone(),
                at: today - 30 * DAY,
                course_complete: true,
            }),
            _ => {}
        }
        citizens.push(DemoCitizen {
            iin,
            name: row.name.clone(),
            lastname: row.lastname.clone(),
            phone: demo_phone(c.n),
            aitu_id: row.aitu_id.clone().unwrap_or_default(),
            telegram_id: 100_000_000 + c.n,
            vk_id: 200_000_000 + c.n,
            expected_status: c.status,
        });
        batch.citizens.push(row);
    }
    let iin_of = |status: Status| {
        citizens
            .iter()
            .find(|c| c.expected_status == status)
            .map(|c| c.iin.clone())
            .unwrap_or_default()
    };
    let (green, red, blue, yellow) = (
        iin_of(Status::Green),
        iin_of(Status::Red),
        iin_of(Status::Blue),
        iin_of(Status::Yellow),
    );
    let child_iin = complete_id(CHILD.0);
    batch.citizens.push(CitizenRow {
        iin: child_iin.clone(),
        name: CHILD.1.into(),
        lastname: CHILD.2.into(),
        phone: None,
        aitu_id: None,
        telegram_id: None,
        vk_id: None,
        parent_iin: Some(yellow.clone()),
        relink: false,
        change_parent: false,
    });
    let other = other_venue.ok_or_else(|| AppError::internal("demo: no second business"))?;
    let mut businesses = Vec::new();
    for (v, _) in &demo_venues {
        businesses.push(DemoBusiness {
            bin: v.bin.clone(),
            name: v.business_name.clone(),
            owner_iin: green.clone(),
            owner_status: Status::Green,
            venue_ids: vec![v.id],
        });
    }
    businesses.push(DemoBusiness {
        bin: other.bin.clone(),
        name: other.business_name.clone(),
        owner_iin: red.clone(),
        owner_status: Status::Red,
        venue_ids: vec![other.id],
    });
    batch.businesses = businesses
        .iter()
        .map(|b| BusinessRow {
            bin: b.bin.clone(),
            name: b.name.clone(),
            owner_iins: vec![b.owner_iin.clone()],
        })
        .collect();
    let seeder = Actor {
        kind: "operator",
        id: "demo".into(),
    };
    let report = import::run(state, &seeder, &batch, Vec::new(), None).await?;
    if report.rejected > 0 {
        return Err(AppError::internal(format!(
            "demo seed rejected {} rows",
            report.rejected
        )));
    }
    let (grocery, _) = &demo_venues[0];
    // Appointed on behalf of the grocery's owner, as the owner would in the app: staff
    // powers follow that owner's hold on the business.
    let owner_iin = batch
        .businesses
        .iter()
        .find(|b| b.bin == grocery.bin)
        .and_then(|b| b.owner_iins.first())
        .ok_or_else(|| AppError::internal("demo grocery has no owner"))?;
    let owner = state
        .store
        .find_citizen(&Lookup::Iin(owner_iin.clone()))
        .await?
        .ok_or_else(|| AppError::internal("demo owner not seeded"))?;
    let staff_citizen = state
        .store
        .find_citizen(&Lookup::Iin(blue.clone()))
        .await?
        .ok_or_else(|| AppError::internal("demo staff not seeded"))?;
    let appointment = AuditEntry {
        at: now,
        actor: seeder.clone(),
        action: "appoint_staff",
        venue_id: Some(grocery.id),
        subject: Some(crate::store::subject(staff_citizen.id)),
        detail: String::new(),
    };
    state
        .store
        .appoint_staff(grocery.id, &blue, owner.id, now, &appointment)
        .await?;
    let staff = vec![DemoStaff {
        iin: blue,
        status: Status::Blue,
        venue_id: grocery.id,
    }];
    let dependants = vec![DemoDependant {
        parent_iin: yellow,
        iin: child_iin,
        name: CHILD.1.into(),
        lastname: CHILD.2.into(),
        expected_status: Status::Blue,
    }];
    let real = venues::code(state, grocery, 1, Direction::In)?;
    let forged = forge(&venues::url(state, &real));
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(AppError::internal)?;
    let throwaway = Signer::from_seed(seed);
    let info = venue::parse(&real.bare(), &state.keys.current().venue_set)
        .map_err(AppError::internal)?
        .info;
    let unknown = venue::sign(&info, &throwaway).map_err(AppError::internal)?;
    // Only the built-in dev values, never what the configuration holds: this page is
    // public, and a real secret here would be published (dev mode refuses to start with
    // real secrets anyway).
    let info = DemoInfo {
        secrets: DemoSecrets {
            aitu_api_key: dev_secrets::AITU_API_KEY.into(),
            telegram_bot_token: dev_secrets::TELEGRAM_BOT_TOKEN.into(),
            vk_app_secret: dev_secrets::VK_APP_SECRET.into(),
            vk_app_id: dev_secrets::VK_APP_ID,
        },
        citizens,
        venues: demo_venues.into_iter().map(|(_, d)| d).collect(),
        test_codes: DemoTestCodes {
            forged,
            unknown_key: venues::url(state, &unknown),
        },
        businesses,
        staff,
        dependants,
    };
    Ok(info)
}

/// Changes one character in the middle of a code's payload (base64url), so the code
/// still decodes but its signature no longer matches.
pub fn forge(code: &str) -> String {
    let hash = code.rfind(['#', ':']).map_or(0, |i| i + 1);
    let mut bytes = code.as_bytes().to_vec();
    let i = hash + 12;
    if let Some(b) = bytes.get_mut(i) {
        *b = if *b == b'A' { b'B' } else { b'A' };
    }
    String::from_utf8(bytes).unwrap_or_else(|_| code.to_owned())
}
