//! One step of the role screens: [`Model::update`]. Pure (the time and a fresh visit id
//! arrive in [`Input`]), so every rule is tested natively: a pass is judged offline with
//! `ashyq_core::pass`, and a typed IIN is checked before any request is sent.

use ashyq_core::api::{GuardChallengeRequest, GuardCheckInRequest, StaffPost};
use ashyq_core::keys::KeySet;
use ashyq_core::venue::{Category, Direction};
use ashyq_core::{pass, status, CodeError, Timestamp};

use crate::model::{
    Effect, Field, IinCheck, Input, Mode, Model, Msg, Notice, PremisesForm, Reason, Screen, Verdict,
};

/// Judges a scanned pass at `now` for the door at `post`: signed by a published pass key,
/// not expired, this venue, the entry direction. The admission is the one the check-in
/// decided: the same rule (`ashyq_core::status::admission`) over the status the pass
/// carries and this venue's category and PCR requirement.
pub fn judge(text: &str, keys: &KeySet, now: Timestamp, post: &StaffPost) -> Verdict {
    if keys.is_empty() {
        return Verdict::Invalid(Reason::NoKeys);
    }
    let claims = match pass::verify(text, keys, now) {
        Ok(c) => c,
        Err(CodeError::Expired) => return Verdict::Invalid(Reason::Expired),
        Err(CodeError::BadPrefix) => return Verdict::Invalid(Reason::NotAPass),
        Err(_) => return Verdict::Invalid(Reason::Forged),
    };
    if claims.venue_id != post.venue_id {
        return Verdict::Invalid(Reason::OtherVenue);
    }
    if claims.direction != Direction::In {
        return Verdict::Invalid(Reason::ExitPass);
    }
    Verdict::Valid {
        admission: status::admission(claims.status, post.category, post.pcr_required),
        masked_name: claims.masked_name,
        status: claims.status,
        entrance: claims.entrance,
        expires_at: claims.expires_at,
    }
}

impl Model {
    /// Applies one message; returns what the runtime must do next.
    pub fn update(&mut self, msg: Msg, input: Input) -> Vec<Effect> {
        self.now = input.now;
        let mut fx = Vec::new();
        // A notice is said once: any step but the one that set it clears it.
        let notice = self.notice.take();
        match msg {
            Msg::Started(keys) => {
                if let Some(k) = keys {
                    self.pass_keys = k;
                }
                match self.mode {
                    Mode::Business => fx.push(Effect::LoadBusinesses),
                    Mode::Door => fx.push(Effect::LoadKeys),
                }
            }
            Msg::BusinessesLoaded(r) => match r {
                Ok(list) => {
                    self.businesses = Some(list.businesses);
                    self.problem = None;
                    self.notice = notice;
                }
                Err(p) => {
                    self.businesses.get_or_insert_with(Vec::new);
                    self.problem = Some(p);
                }
            },
            Msg::KeysLoaded(r) => {
                // Offline: the cached keys keep working; only no keys at all is a problem.
                if let Ok(k) = r {
                    if !k.is_empty() {
                        self.pass_keys = k;
                        fx.push(Effect::SaveKeys);
                    }
                }
            }
            Msg::OpenPremises(venue_id) => {
                if self.premises(venue_id).is_some() {
                    self.problem = None;
                    self.screen = Screen::Premises {
                        venue_id,
                        confirm: None,
                        staff_iin: String::new(),
                        poster_lang: self.lang,
                    };
                }
            }
            Msg::OpenRegister(bin) => {
                let owns = self.roles.owner_of.iter().any(|b| b.bin == bin)
                    || self.businesses.iter().flatten().any(|b| b.bin == bin);
                if owns {
                    self.problem = None;
                    self.screen = Screen::Register {
                        bin,
                        form: PremisesForm::default(),
                        invalid: None,
                        sending: false,
                    };
                }
            }
            Msg::Field(field, value) => {
                if let Screen::Register { form, invalid, .. } = &mut self.screen {
                    match field {
                        Field::Name => form.name = value,
                        Field::Address => form.address = value,
                        Field::Category => {
                            if let Some(c) = Category::parse(&value) {
                                form.category = c;
                                form.pcr_required = c.pcr_required_by_default();
                            }
                        }
                        Field::Pcr => form.pcr_required = value == "true",
                        Field::Entrances => form.entrances = value,
                    }
                    *invalid = None;
                }
            }
            Msg::SubmitPremises => {
                if let Screen::Register {
                    bin,
                    form,
                    invalid,
                    sending,
                } = &mut self.screen
                {
                    if !*sending {
                        match form.request() {
                            Ok(req) => {
                                *sending = true;
                                self.problem = None;
                                fx.push(Effect::Register(bin.clone(), req));
                            }
                            Err(code) => *invalid = Some(code),
                        }
                    }
                }
            }
            Msg::Registered(r) => {
                if let Screen::Register { bin, sending, .. } = &mut self.screen {
                    *sending = false;
                    match r {
                        Ok(p) => {
                            let venue_id = p.venue_id;
                            let bin = bin.clone();
                            if let Some(b) =
                                self.businesses.iter_mut().flatten().find(|b| b.bin == bin)
                            {
                                b.premises.push(p);
                            }
                            self.problem = None;
                            self.notice = Some(Notice::Registered);
                            self.screen = Screen::Premises {
                                venue_id,
                                confirm: None,
                                staff_iin: String::new(),
                                poster_lang: self.lang,
                            };
                        }
                        Err(p) => self.problem = Some(p),
                    }
                }
            }
            Msg::PosterLang(l) => {
                if let Screen::Premises { poster_lang, .. } = &mut self.screen {
                    *poster_lang = l;
                }
            }
            Msg::Poster(key) => {
                if matches!(self.screen, Screen::Premises { venue_id, .. } if venue_id == key.venue_id)
                {
                    self.problem = None;
                    fx.push(Effect::Poster(key));
                }
            }
            Msg::PosterDone(key, r) => match r {
                Ok(url) => {
                    self.posters.retain(|(k, _)| *k != key);
                    self.posters.push((key, url));
                    self.notice = notice;
                }
                Err(p) => self.problem = Some(p),
            },
            Msg::AskReissue(n) => {
                if let Screen::Premises { confirm, .. } = &mut self.screen {
                    *confirm = Some(n);
                }
            }
            Msg::CancelReissue => {
                if let Screen::Premises { confirm, .. } = &mut self.screen {
                    *confirm = None;
                }
            }
            Msg::ConfirmReissue => {
                if let Screen::Premises {
                    venue_id, confirm, ..
                } = &mut self.screen
                {
                    if let Some(n) = confirm.take() {
                        self.problem = None;
                        fx.push(Effect::Reissue(*venue_id, n));
                    }
                }
            }
            Msg::Reissued(venue_id, r) => match r {
                Ok(codes) => {
                    if let Some(p) = self.premises_mut(venue_id) {
                        match p
                            .entrances
                            .iter_mut()
                            .find(|e| e.entrance == codes.entrance)
                        {
                            Some(e) => *e = codes.clone(),
                            None => p.entrances.push(codes.clone()),
                        }
                    }
                    // Posters of that entrance fetched before show the old codes.
                    self.posters
                        .retain(|(k, _)| !(k.venue_id == venue_id && k.entrance == codes.entrance));
                    self.problem = None;
                    self.notice = Some(Notice::Reissued);
                }
                Err(p) => self.problem = Some(p),
            },
            Msg::StaffIin(text) => {
                if let Screen::Premises { staff_iin, .. } = &mut self.screen {
                    *staff_iin = text;
                }
            }
            Msg::Appoint => {
                if let Screen::Premises {
                    venue_id,
                    staff_iin,
                    ..
                } = &self.screen
                {
                    // Checked as typed; an invalid IIN is never sent.
                    if IinCheck::of(staff_iin) == IinCheck::Valid {
                        self.problem = None;
                        fx.push(Effect::Appoint(*venue_id, staff_iin.trim().to_owned()));
                    }
                }
            }
            Msg::Appointed(venue_id, r) => match r {
                Ok(member) => {
                    if let Some(p) = self.premises_mut(venue_id) {
                        p.staff.retain(|s| s.staff_id != member.staff_id);
                        p.staff.push(member);
                    }
                    if let Screen::Premises { staff_iin, .. } = &mut self.screen {
                        staff_iin.clear();
                    }
                    self.problem = None;
                    self.notice = Some(Notice::Appointed);
                }
                Err(p) => self.problem = Some(p),
            },
            Msg::RemoveStaff(staff_id) => {
                if let Screen::Premises { venue_id, .. } = &self.screen {
                    self.problem = None;
                    fx.push(Effect::RemoveStaff(*venue_id, staff_id));
                }
            }
            Msg::Removed(venue_id, staff_id, r) => match r {
                Ok(()) => {
                    if let Some(p) = self.premises_mut(venue_id) {
                        p.staff.retain(|s| s.staff_id != staff_id);
                    }
                    self.problem = None;
                    self.notice = Some(Notice::Removed);
                }
                Err(p) => self.problem = Some(p),
            },
            Msg::PickPost(i) => {
                if i < self.roles.staff_at.len() {
                    self.post = i;
                }
            }
            Msg::CheckPass => {
                if matches!(self.screen, Screen::Door | Screen::Verdict(_)) && self.post().is_some()
                {
                    self.problem = None;
                    self.screen = Screen::Scanning;
                    fx.push(Effect::Scan);
                }
            }
            Msg::Scanned(r) => {
                if matches!(self.screen, Screen::Scanning) {
                    match (r, self.post()) {
                        (Ok(text), Some(post)) => {
                            let v = judge(&text, &self.pass_keys, self.now, post);
                            self.screen = Screen::Verdict(v);
                        }
                        (Ok(_), None) => self.screen = Screen::Door,
                        (Err(code), _) => {
                            self.screen = Screen::Door;
                            self.problem = Some(crate::model::Problem::Refused { status: 0, code });
                        }
                    }
                }
            }
            Msg::OpenGuard => {
                if self.post().is_some() {
                    self.problem = None;
                    self.screen = Screen::Guard {
                        iin: String::new(),
                        challenge: None,
                        code: String::new(),
                        sending: false,
                        result: None,
                        tried: false,
                    };
                }
            }
            Msg::GuardIin(text) => {
                if let Screen::Guard { iin, tried, .. } = &mut self.screen {
                    *iin = text;
                    *tried = false;
                }
            }
            Msg::GuardCode(text) => {
                if let Screen::Guard { code, tried, .. } = &mut self.screen {
                    *code = text;
                    *tried = false;
                }
            }
            Msg::GuardSubmit => self.guard_submit(&mut fx),
            Msg::GuardChallenged(r) => {
                if let Screen::Guard {
                    iin,
                    challenge,
                    code,
                    sending,
                    ..
                } = &mut self.screen
                {
                    *sending = false;
                    match r {
                        Ok(c) => {
                            // The door keeps no IIN: from here on the code stands for it.
                            iin.clear();
                            code.clear();
                            *challenge = Some((c, input.visit_id));
                            self.problem = None;
                        }
                        Err(p) => self.problem = Some(p),
                    }
                }
            }
            Msg::GuardDone(r) => {
                if let Screen::Guard {
                    challenge,
                    code,
                    sending,
                    result,
                    ..
                } = &mut self.screen
                {
                    *sending = false;
                    match r {
                        Ok(resp) => {
                            *challenge = None;
                            code.clear();
                            *result = Some(Box::new(resp));
                            self.problem = None;
                        }
                        // The code can be typed again; a new one is asked from the start.
                        Err(p) => self.problem = Some(p),
                    }
                }
            }
            Msg::Back => {
                self.problem = None;
                match &self.screen {
                    Screen::Businesses | Screen::Door => fx.push(Effect::Close),
                    Screen::Register { .. } | Screen::Premises { .. } => {
                        self.screen = Screen::Businesses
                    }
                    Screen::Scanning | Screen::Verdict(_) | Screen::Guard { .. } => {
                        self.screen = Screen::Door
                    }
                }
            }
            Msg::Close => fx.push(Effect::Close),
        }
        fx
    }
}

impl Model {
    /// Guard mode's submit: ask for the visitor's code, or send the code they read out.
    /// A mistyped IIN or a code that is not 6 digits never reaches the server.
    fn guard_submit(&mut self, fx: &mut Vec<Effect>) {
        let Some(venue_id) = self.post().map(|p| p.venue_id) else {
            return;
        };
        let Screen::Guard {
            iin,
            challenge,
            code,
            sending,
            result,
            tried,
        } = &mut self.screen
        else {
            return;
        };
        if *sending {
            return;
        }
        match challenge {
            None if IinCheck::of(iin) != IinCheck::Valid => *tried = true,
            None => {
                *sending = true;
                *result = None;
                self.problem = None;
                fx.push(Effect::GuardChallenge(
                    venue_id,
                    GuardChallengeRequest {
                        iin: iin.trim().to_owned(),
                        entrance: 1,
                    },
                ));
            }
            Some((c, visit_id)) => {
                let typed = code.trim();
                if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
                    *tried = true;
                    return;
                }
                *sending = true;
                self.problem = None;
                fx.push(Effect::Guard(
                    venue_id,
                    GuardCheckInRequest {
                        challenge_id: c.challenge_id.clone(),
                        code: typed.to_owned(),
                        client_visit_id: visit_id.clone(),
                    },
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::model::{PosterKey, Problem, Size};
    use ashyq_core::api::{
        Business, BusinessList, BusinessRef, EntranceCodes, GuardCheckInResponse, Premises, Roles,
    };
    use ashyq_core::keys::Signer;
    use ashyq_core::pass::PassClaims;
    use ashyq_core::status::{Admission, AdmissionReason};
    use ashyq_core::Status;

    const T0: i64 = 1_800_000_000;

    fn input() -> Input {
        Input {
            now: T0,
            visit_id: String::from("visit-1"),
        }
    }
    fn signer() -> Signer {
        Signer::from_seed([7; 32])
    }
    fn keys() -> KeySet {
        let s = signer();
        let mut k = KeySet::default();
        k.insert(s.key_id(), s.verifying_key());
        k
    }
    fn post(venue_id: u64, category: Category, pcr_required: bool) -> StaffPost {
        StaffPost {
            venue_id,
            venue_name: String::from("Береке"),
            address: String::from("Астана"),
            category,
            pcr_required,
        }
    }
    fn token(venue_id: u64, status: Status, direction: Direction, expires_at: i64) -> String {
        let c = PassClaims {
            visit_id: String::from("v-1"),
            masked_name: String::from("Айгерим С."),
            status,
            venue_id,
            entrance: 1,
            direction,
            issued_at: T0 - 10,
            expires_at,
        };
        pass::sign(&c, &signer()).expect("valid claims")
    }
    /// A valid IIN (check digit computed by the core).
    fn iin() -> String {
        ashyq_core::id::with_check_digit("90010130012").expect("has a check digit")
    }
    fn bad_iin() -> String {
        let good = iin();
        let last = good.as_bytes()[11] - b'0';
        let mut s = good[..11].to_owned();
        s.push(char::from(b'0' + (last + 1) % 10));
        s
    }
    fn door() -> Model {
        let roles = Roles {
            owner_of: Vec::new(),
            staff_at: vec![post(5, Category::Restaurant, false)],
        };
        let mut m = Model::new(Mode::Door, Lang::En, roles);
        m.update(Msg::Started(Some(keys())), input());
        m
    }
    fn premises(venue_id: u64) -> Premises {
        Premises {
            venue_id,
            bin: String::from("180340021791"),
            name: String::from("Береке"),
            address: String::from("Астана"),
            category: Category::Grocery,
            pcr_required: false,
            entrances: vec![EntranceCodes {
                entrance: 1,
                entry_code: String::from("ASHYQ1:old-in"),
                exit_code: String::from("ASHYQ1:old-out"),
            }],
            staff: Vec::new(),
        }
    }
    fn owner() -> Model {
        let roles = Roles {
            owner_of: vec![BusinessRef {
                bin: String::from("180340021791"),
                name: String::from("Береке"),
            }],
            staff_at: Vec::new(),
        };
        let mut m = Model::new(Mode::Business, Lang::En, roles);
        let fx = m.update(Msg::Started(None), input());
        assert_eq!(fx, vec![Effect::LoadBusinesses]);
        m.update(
            Msg::BusinessesLoaded(Ok(BusinessList {
                businesses: vec![Business {
                    bin: String::from("180340021791"),
                    name: String::from("Береке"),
                    premises: vec![premises(5)],
                }],
            })),
            input(),
        );
        m
    }

    #[test]
    fn a_pass_is_judged_offline() {
        let k = keys();
        let p = post(5, Category::Restaurant, false);
        let ok = judge(&token(5, Status::Green, Direction::In, T0 + 60), &k, T0, &p);
        assert_eq!(
            ok,
            Verdict::Valid {
                masked_name: String::from("Айгерим С."),
                status: Status::Green,
                admission: Admission {
                    admitted: true,
                    reason: AdmissionReason::Allowed
                },
                entrance: 1,
                expires_at: T0 + 60,
            }
        );
        // YELLOW at a restaurant: a genuine pass, but not admitted.
        let Verdict::Valid { admission, .. } = judge(
            &token(5, Status::Yellow, Direction::In, T0 + 60),
            &k,
            T0,
            &p,
        ) else {
            panic!("a genuine pass")
        };
        assert!(!admission.admitted);
        // A screenshot: expired.
        assert_eq!(
            judge(&token(5, Status::Green, Direction::In, T0), &k, T0, &p),
            Verdict::Invalid(Reason::Expired)
        );
        // Another venue's pass.
        assert_eq!(
            judge(&token(6, Status::Green, Direction::In, T0 + 60), &k, T0, &p),
            Verdict::Invalid(Reason::OtherVenue)
        );
        // An exit pass.
        assert_eq!(
            judge(
                &token(5, Status::Green, Direction::Out, T0 + 60),
                &k,
                T0,
                &p
            ),
            Verdict::Invalid(Reason::ExitPass)
        );
        // Forged: one character of the signature changed; or signed by an unknown key.
        let mut forged = token(5, Status::Green, Direction::In, T0 + 60);
        let last = forged.pop().expect("non-empty");
        forged.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(judge(&forged, &k, T0, &p), Verdict::Invalid(Reason::Forged));
        let stranger = Signer::from_seed([1; 32]);
        let c =
            pass::decode(&token(5, Status::Green, Direction::In, T0 + 60), &k).expect("decodes");
        let other = pass::sign(&c, &stranger).expect("signs");
        assert_eq!(judge(&other, &k, T0, &p), Verdict::Invalid(Reason::Forged));
        // Not a pass at all; and no keys yet.
        assert_eq!(
            judge("https://evil.example/", &k, T0, &p),
            Verdict::Invalid(Reason::NotAPass)
        );
        assert_eq!(
            judge(
                &token(5, Status::Green, Direction::In, T0 + 60),
                &KeySet::default(),
                T0,
                &p
            ),
            Verdict::Invalid(Reason::NoKeys)
        );
    }

    #[test]
    fn check_a_pass_scans_then_shows_the_verdict_without_the_network() {
        let mut m = door();
        let fx = m.update(Msg::CheckPass, input());
        assert_eq!(fx, vec![Effect::Scan]);
        assert_eq!(m.screen, Screen::Scanning);
        let fx = m.update(
            Msg::Scanned(Ok(token(5, Status::Blue, Direction::In, T0 + 60))),
            input(),
        );
        assert!(fx.is_empty(), "no request: {fx:?}");
        assert!(matches!(m.screen, Screen::Verdict(Verdict::Valid { .. })));
        // Failed keys refresh (offline) keeps the cached keys.
        m.update(Msg::KeysLoaded(Err(Problem::Network)), input());
        assert!(!m.pass_keys.is_empty());
        // A cancelled scan goes back to the door with the reason.
        m.update(Msg::CheckPass, input());
        m.update(Msg::Scanned(Err(String::from("scan_cancelled"))), input());
        assert_eq!(m.screen, Screen::Door);
        assert_eq!(
            m.problem.as_ref().map(|p| p.code().to_owned()),
            Some(String::from("scan_cancelled"))
        );
    }

    #[test]
    fn guard_mode_checks_the_iin_before_any_request_and_forgets_it() {
        let mut m = door();
        m.update(Msg::OpenGuard, input());
        m.update(Msg::GuardIin(bad_iin()), input());
        let fx = m.update(Msg::GuardSubmit, input());
        assert!(fx.is_empty(), "a bad check digit is never sent: {fx:?}");
        assert!(matches!(m.screen, Screen::Guard { tried: true, .. }));
        assert_eq!(
            IinCheck::of(&bad_iin()),
            IinCheck::Invalid(ashyq_core::id::IdError::BadCheckDigit)
        );
        assert_eq!(IinCheck::of("9001"), IinCheck::Partial);
        assert_eq!(
            IinCheck::of("9001a"),
            IinCheck::Invalid(ashyq_core::id::IdError::NotDigits)
        );
        m.update(Msg::GuardIin(iin()), input());
        let fx = m.update(Msg::GuardSubmit, input());
        assert_eq!(
            fx,
            vec![Effect::GuardChallenge(
                5,
                GuardChallengeRequest {
                    iin: iin(),
                    entrance: 1,
                }
            )]
        );
        // A second tap while sending sends nothing more.
        assert!(m.update(Msg::GuardSubmit, input()).is_empty());
        let challenge = ashyq_core::api::GuardChallenge {
            challenge_id: String::from("0123456789abcdef0123456789abcdef"),
            expires_at: T0 + 300,
        };
        m.update(Msg::GuardChallenged(Ok(challenge)), input());
        let Screen::Guard { iin, .. } = &m.screen else {
            panic!("guard screen")
        };
        assert!(
            iin.is_empty(),
            "the typed IIN is cleared once the code is sent"
        );
        // The code: 6 digits or nothing is sent.
        m.update(Msg::GuardCode(String::from("12345")), input());
        assert!(m.update(Msg::GuardSubmit, input()).is_empty());
        m.update(Msg::GuardCode(String::from(" 123456 ")), input());
        let fx = m.update(Msg::GuardSubmit, input());
        let sent = GuardCheckInRequest {
            challenge_id: String::from("0123456789abcdef0123456789abcdef"),
            code: String::from("123456"),
            client_visit_id: String::from("visit-1"),
        };
        assert_eq!(fx, vec![Effect::Guard(5, sent.clone())]);
        // A wrong code: said in plain words; a retry keeps the visit id.
        m.update(
            Msg::GuardDone(Err(Problem::Refused {
                status: 403,
                code: String::from("presence_not_proven"),
            })),
            input(),
        );
        assert_eq!(
            m.problem.as_ref().map(Problem::code),
            Some("presence_not_proven")
        );
        let retry = Input {
            now: T0,
            visit_id: String::from("visit-2"),
        };
        assert_eq!(
            m.update(Msg::GuardSubmit, retry),
            vec![Effect::Guard(5, sent)]
        );
        let resp = GuardCheckInResponse {
            admitted: true,
            masked_name: String::from("Әлихан С."),
            visit_id: String::from("visit-1"),
        };
        m.update(Msg::GuardDone(Ok(resp)), input());
        let Screen::Guard {
            challenge, result, ..
        } = &m.screen
        else {
            panic!("guard screen")
        };
        assert!(challenge.is_none(), "the next visitor starts from the IIN");
        assert!(result.as_ref().is_some_and(|r| r.admitted));
        // Rate limited: said in plain words, the typed IIN kept for a retry.
        m.update(Msg::GuardIin(self::iin()), input());
        m.update(Msg::GuardSubmit, input());
        m.update(
            Msg::GuardChallenged(Err(Problem::Refused {
                status: 429,
                code: String::from("rate_limited"),
            })),
            input(),
        );
        assert_eq!(m.problem.as_ref().map(Problem::code), Some("rate_limited"));
        assert!(matches!(&m.screen, Screen::Guard { iin, .. } if *iin == self::iin()));
    }

    #[test]
    fn an_owner_registers_premises_and_gets_posters() {
        let mut m = owner();
        m.update(Msg::OpenRegister(String::from("180340021791")), input());
        assert_eq!(m.screen.name(), "register");
        m.update(Msg::Field(Field::Entrances, String::from("0")), input());
        let fx = m.update(Msg::SubmitPremises, input());
        assert!(fx.is_empty());
        assert!(matches!(
            m.screen,
            Screen::Register {
                invalid: Some("address_missing"),
                ..
            }
        ));
        m.update(Msg::Field(Field::Name, String::from("Береке 2")), input());
        m.update(Msg::Field(Field::Address, String::from("Алматы")), input());
        m.update(
            Msg::Field(Field::Category, String::from("transport_hub")),
            input(),
        );
        let fx = m.update(Msg::SubmitPremises, input());
        assert!(fx.is_empty(), "0 entrances is refused: {fx:?}");
        m.update(Msg::Field(Field::Entrances, String::from("2")), input());
        let fx = m.update(Msg::SubmitPremises, input());
        let Some(Effect::Register(bin, req)) = fx.first() else {
            panic!("a register request: {fx:?}")
        };
        assert_eq!(bin, "180340021791");
        assert_eq!(req.entrances, 2);
        // A transport hub requires a PCR test unless the owner says otherwise.
        assert_eq!(req.pcr_required, Some(true));
        let mut p = premises(9);
        p.address = String::from("Алматы");
        m.update(Msg::Registered(Ok(p)), input());
        assert_eq!(m.screen.name(), "premises");
        assert_eq!(m.notice, Some(Notice::Registered));
        assert!(m.premises(9).is_some());
        let key = PosterKey {
            venue_id: 9,
            entrance: 1,
            direction: Direction::In,
            size: Size::A4,
            lang: Lang::Kk,
        };
        assert_eq!(
            m.update(Msg::Poster(key), input()),
            vec![Effect::Poster(key)]
        );
        m.update(Msg::PosterDone(key, Ok(String::from("blob:x"))), input());
        assert_eq!(m.posters, vec![(key, String::from("blob:x"))]);
        // Another business's premises are not on this owner's list: nothing opens.
        m.update(Msg::Back, input());
        m.update(Msg::OpenPremises(77), input());
        assert_eq!(m.screen.name(), "business");
        m.update(Msg::OpenRegister(String::from("000000000000")), input());
        assert_eq!(m.screen.name(), "business");
    }

    #[test]
    fn reissue_asks_first_and_replaces_the_codes() {
        let mut m = owner();
        m.update(Msg::OpenPremises(5), input());
        assert!(m.update(Msg::AskReissue(1), input()).is_empty());
        m.update(Msg::CancelReissue, input());
        assert!(m.update(Msg::ConfirmReissue, input()).is_empty());
        m.update(Msg::AskReissue(1), input());
        assert_eq!(
            m.update(Msg::ConfirmReissue, input()),
            vec![Effect::Reissue(5, 1)]
        );
        let new = EntranceCodes {
            entrance: 1,
            entry_code: String::from("ASHYQ1:new-in"),
            exit_code: String::from("ASHYQ1:new-out"),
        };
        m.update(Msg::Reissued(5, Ok(new.clone())), input());
        assert_eq!(m.premises(5).map(|p| p.entrances.clone()), Some(vec![new]));
        assert_eq!(m.notice, Some(Notice::Reissued));
    }

    #[test]
    fn staff_are_appointed_by_a_valid_iin_only() {
        let mut m = owner();
        m.update(Msg::OpenPremises(5), input());
        m.update(Msg::StaffIin(bad_iin()), input());
        assert!(m.update(Msg::Appoint, input()).is_empty());
        m.update(Msg::StaffIin(iin()), input());
        assert_eq!(
            m.update(Msg::Appoint, input()),
            vec![Effect::Appoint(5, iin())]
        );
        let member = ashyq_core::api::StaffMember {
            staff_id: String::from("s1"),
            masked_iin: String::from("•••••••••456"),
            appointed_at: T0,
        };
        m.update(Msg::Appointed(5, Ok(member)), input());
        assert_eq!(m.premises(5).map(|p| p.staff.len()), Some(1));
        assert!(matches!(&m.screen, Screen::Premises { staff_iin, .. } if staff_iin.is_empty()));
        assert_eq!(
            m.update(Msg::RemoveStaff(String::from("s1")), input()),
            vec![Effect::RemoveStaff(5, String::from("s1"))]
        );
        m.update(Msg::Removed(5, String::from("s1"), Ok(())), input());
        assert_eq!(m.premises(5).map(|p| p.staff.len()), Some(0));
        // Someone else's premises: the server's refusal is shown in plain words.
        m.update(
            Msg::Removed(
                5,
                String::from("s2"),
                Err(Problem::Refused {
                    status: 403,
                    code: String::from("not_owner"),
                }),
            ),
            input(),
        );
        assert_eq!(m.problem.as_ref().map(Problem::code), Some("not_owner"));
    }

    #[test]
    fn back_walks_up_then_closes() {
        let mut m = owner();
        m.update(Msg::OpenPremises(5), input());
        assert!(m.update(Msg::Back, input()).is_empty());
        assert_eq!(m.screen.name(), "business");
        assert_eq!(m.update(Msg::Back, input()), vec![Effect::Close]);
        let mut d = door();
        d.update(Msg::OpenGuard, input());
        d.update(Msg::Back, input());
        assert_eq!(d.screen.name(), "door");
        assert_eq!(d.update(Msg::Back, input()), vec![Effect::Close]);
    }
}
