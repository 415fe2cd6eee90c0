//! The privacy lint's detectors, the pseudonyms file and allow markers; [`corpus`]: its
//! recall and false alarms on a labelled corpus.

mod corpus;

use senco::check::privacy::{
    Pseudonyms, is_valid_nhs_number, is_valid_upn, scan_text, upn_check_letter,
};

/// (code, matched text) of every unsilenced finding.
pub(crate) fn findings_with(text: &str, names: &Pseudonyms) -> Vec<(String, String)> {
    scan_text(text, "evidence/x.md", names)
        .findings
        .iter()
        .map(|d| {
            let e = d
                .excerpt
                .as_ref()
                .map_or(String::new(), |e| e.text[e.start..e.end].to_string());
            (d.code.to_string(), e)
        })
        .collect()
}

fn findings(text: &str) -> Vec<(String, String)> {
    findings_with(text, &Pseudonyms::default())
}

fn codes(text: &str) -> Vec<String> {
    findings(text).into_iter().map(|(c, _)| c).collect()
}

pub(crate) fn one(code: &str, text: &str) -> Vec<(String, String)> {
    vec![(code.to_string(), text.to_string())]
}

// --- Unique Pupil Numbers -------------------------------------------------------------

const UPN_LETTERS: &str = "ABCDEFGHJKLMNPQRTUVWXYZ";

/// The check letter computed another way: weights counted down from the last character.
fn reference_check_letter(body: &str) -> char {
    let chars: Vec<char> = body.chars().collect();
    let mut total = 0u32;
    let mut weight = 13;
    for c in chars.iter().rev() {
        let value = c
            .to_digit(10)
            .unwrap_or_else(|| UPN_LETTERS.find(*c).unwrap() as u32);
        total += value * weight;
        weight -= 1;
    }
    UPN_LETTERS.as_bytes()[(total % 23) as usize] as char
}

/// Deterministic pseudo-random UPN bodies: permanent (12 digits) and temporary (11 + letter).
fn upn_bodies() -> Vec<String> {
    let mut state = 0x2545_f491_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let mut bodies = Vec::new();
    for i in 0..40 {
        let mut body: String = (0..11)
            .map(|_| char::from(b'0' + (next() % 10) as u8))
            .collect();
        if i % 4 == 3 {
            body.push(UPN_LETTERS.as_bytes()[next() % 23] as char);
        } else {
            body.push(char::from(b'0' + (next() % 10) as u8));
        }
        bodies.push(body);
    }
    bodies
}

#[test]
fn upn_published_vectors() {
    assert!(is_valid_upn("B801200005001"));
    assert!(!is_valid_upn("A801200005001"));
    assert_eq!(upn_check_letter("801200005001"), Some('B'));
    assert_eq!(findings("UPN B801200005001."), one("upn", "B801200005001"));
    assert_eq!(
        findings("UPN A801200005001."),
        one("possible-upn", "A801200005001")
    );
}

#[test]
fn upn_check_letters_agree_with_an_independent_implementation() {
    for body in upn_bodies() {
        let letter = reference_check_letter(&body);
        assert_eq!(upn_check_letter(&body), Some(letter), "{body}");
        let valid = format!("{letter}{body}");
        assert!(is_valid_upn(&valid), "{valid}");
        assert_eq!(findings(&format!("see {valid} here")), one("upn", &valid));
        for wrong in UPN_LETTERS.chars().filter(|&c| c != letter) {
            let token = format!("{wrong}{body}");
            assert!(!is_valid_upn(&token), "{token}");
            assert_eq!(
                findings(&format!("see {token} here")),
                one("possible-upn", &token)
            );
        }
    }
}

#[test]
fn upn_lookalikes_that_are_not_upns() {
    // I, O and S are never check letters; 12 or 14 characters are not UPNs.
    for text in [
        "I801200005001",
        "O801200005001",
        "S801200005001",
        "B80120000500",
        "B8012000050012",
        "ISBN 9780415718683",
        "DFE-00205-2013",
        "b801200005001 in lower case",
    ] {
        assert!(
            !codes(text).iter().any(|c| c.contains("upn")),
            "{text}: {:?}",
            codes(text)
        );
    }
}

// --- NHS numbers ----------------------------------------------------------------------

fn reference_nhs_check(first_nine: &str) -> Option<u32> {
    let sum: u32 = first_nine
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * (10 - i as u32))
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        c => Some(c),
    }
}

#[test]
fn nhs_numbers() {
    assert!(is_valid_nhs_number("943 476 5919"));
    assert!(is_valid_nhs_number("9434765919"));
    assert!(!is_valid_nhs_number("943 476 5918"));
    let mut checked = 0;
    for prefix in [
        "401023213",
        "485777345",
        "612345678",
        "729384756",
        "450557710",
        "123456789",
        "400000000",
    ] {
        match reference_nhs_check(prefix) {
            Some(check) => {
                let valid = format!("{} {} {}{check}", &prefix[..3], &prefix[3..6], &prefix[6..]);
                assert!(is_valid_nhs_number(&valid), "{valid}");
                assert_eq!(
                    findings(&format!("NHS no. {valid}.")),
                    one("nhs-number", &valid)
                );
                let wrong = format!("{prefix}{}", (check + 1) % 10);
                assert!(!is_valid_nhs_number(&wrong), "{wrong}");
                checked += 1;
            }
            // A remainder of 10 has no valid check digit.
            None => (0..10).for_each(|d| assert!(!is_valid_nhs_number(&format!("{prefix}{d}")))),
        }
    }
    assert!(checked >= 5);
    assert_eq!(
        findings("NHS 943-476-5919"),
        one("nhs-number", "943-476-5919")
    );
    // All the same digit passes the arithmetic but is a placeholder, not a number.
    assert!(codes("0000000000 and 1111111111").is_empty());
}

#[test]
fn isbn_10_is_not_an_nhs_number() {
    // ISBN-10 uses the same checksum: a labelled ISBN must not be reported.
    assert!(is_valid_nhs_number("0306406152"));
    assert!(codes("Rose (2006) ISBN 0306406152.").is_empty());
    assert!(codes("ISBN: 030 640 6152").is_empty());
}

// --- Dates of birth -------------------------------------------------------------------

#[test]
fn dates_of_birth() {
    for (text, date) in [
        ("Child A, DOB: 12/03/2015, joined in Year 3.", "12/03/2015"),
        ("D.O.B. 3 March 2015", "3 March 2015"),
        ("d.o.b 03.03.15", "03.03.15"),
        (
            "She was born on 14th February 2016 in Leeds.",
            "14th February 2016",
        ),
        ("Date of birth – 2015-09-01", "2015-09-01"),
        ("born in March 2015", "March 2015"),
        ("12/03/2015 (date of birth)", "12/03/2015"),
        ("Birthday: March 3, 2015", "March 3, 2015"),
    ] {
        assert_eq!(findings(text), one("date-of-birth", date), "{text}");
    }
}

#[test]
fn dates_that_are_not_dates_of_birth() {
    for text in [
        "We met on 12/03/2024 to review the plan.",
        "She is a born storyteller; we met on 12/03/2024.",
        "Our newborn nurture group started on 07/01/2025.",
        "born in 2015",
        "Born in Year 4, the idea grew; the review is on 12/06/2025 at 14:00 in the hall, room 2.",
        "DOB",
    ] {
        assert!(codes(text).is_empty(), "{text}: {:?}", findings(text));
    }
}

// --- Emails, phone numbers, postcodes -------------------------------------------------

#[test]
fn email_addresses() {
    assert_eq!(
        findings("write to r.moss@example.sch.uk today"),
        one("email", "r.moss@example.sch.uk")
    );
    assert_eq!(
        findings("<ta1+send@fictional-primary.sch.uk>"),
        one("email", "ta1+send@fictional-primary.sch.uk")
    );
    for text in [
        "@SENCOforum on social media",
        "the team @ school",
        "user@localhost",
    ] {
        assert!(codes(text).is_empty(), "{text}");
    }
}

#[test]
fn uk_phone_numbers() {
    for number in [
        "07700 900123",
        "07700900123",
        "+44 7700 900123",
        "+447700900123",
        "+44 (0)20 7946 0000",
        "020 7946 0000",
        "0161 496 0000",
        "(01632) 960000",
        "01632 960000",
        "016977 3456",
        "0300 123 1231",
        "0044 7700 900123",
    ] {
        assert_eq!(
            findings(&format!("call {number} today")),
            one("phone-number", number),
            "{number}"
        );
    }
}

#[test]
fn numbers_that_are_not_phone_numbers() {
    for text in [
        "between 2019 and 2020",
        "pp. 123-145",
        "outcomes B5.1 and A1.2",
        "on 01/02/2023",
        "0800 123 4567 is freephone",
        "a scale of 0 1 2 3 4 5 6 7 8 9 10",
        "ISBN 0306406152",
        "DFE-00205-2013",
        "£1,234.56 per term",
        "from 09:30 to 15:30",
        "0.25 of a day",
        "SI 2014/1530",
    ] {
        assert!(codes(text).is_empty(), "{text}: {:?}", findings(text));
    }
}

#[test]
fn uk_postcodes() {
    for code in [
        "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB", "W1A 0AX", "GIR 0AA",
        "LS11AB",
    ] {
        assert_eq!(
            findings(&format!("lives at {code}.")),
            one("postcode", code),
            "{code}"
        );
    }
    for text in [
        "KS2 SATs",
        "Y6 pupils",
        "outcome A1.2",
        "NPQ3 and NPQ4",
        "EHCP",
        "B12 alone",
        "room 2B",
        "sw1a 1aa in lower case is not matched",
        "Year 6 3PM",
    ] {
        assert!(codes(text).is_empty(), "{text}: {:?}", findings(text));
    }
}

// --- Names ----------------------------------------------------------------------------

const PSEUDONYMS: &str = r#"
[pupils]
"Alex Example" = { pseudonym = "Child A", aliases = ["Alex"] }
"Sam Sample" = "Child B"
"Zoë Fictional" = "Child C"

[staff]
"Jordan Placeholder" = "TA 1"

[school]
"Larkspur Vale Primary School" = "the school"
"#;

fn names() -> Pseudonyms {
    let (names, problems) = Pseudonyms::parse(PSEUDONYMS);
    assert!(problems.is_empty(), "{problems:?}");
    names
}

#[test]
fn real_names_are_errors_with_the_pseudonym_to_use() {
    let names = names();
    let scan = scan_text("Today ALEX EXAMPLE read aloud.\n", "evidence/x.md", &names);
    assert_eq!(scan.findings.len(), 1);
    let d = &scan.findings[0];
    assert_eq!(
        (d.code.as_str(), d.line, d.column),
        ("real-name", Some(1), Some(7))
    );
    assert_eq!(d.severity, senco::error::diagnostic::Severity::Error);
    assert!(d.help.as_deref().unwrap().contains("use `Child A` instead"));
    assert!(!d.message.contains("Alex"), "messages never quote the name");
}

#[test]
fn names_match_whole_words_any_case_longest_first() {
    let names = names();
    let found = |t: &str| findings_with(t, &names);
    assert_eq!(found("Alex's reading"), one("real-name", "Alex"));
    assert_eq!(found("alex example"), one("real-name", "alex example"));
    assert_eq!(found("Alex Example said"), one("real-name", "Alex Example"));
    assert_eq!(found("ZOË FICTIONAL"), one("real-name", "ZOË FICTIONAL"));
    assert_eq!(found("Zoë Fictional"), one("real-name", "Zoë Fictional"));
    assert_eq!(
        found("at Larkspur Vale Primary School"),
        one("real-name", "Larkspur Vale Primary School")
    );
    // A name wrapped onto the next line is still found.
    assert_eq!(found("with Jordan\nPlaceholder in class").len(), 1);
    for miss in [
        "Alexander Pope",
        "Alexandra",
        "sample size",
        "Sam alone",
        "Vale",
        "TA 1 and Child A",
    ] {
        assert!(found(miss).is_empty(), "{miss}: {:?}", found(miss));
    }
}

#[test]
fn replace_writes_the_pseudonyms() {
    let names = names();
    assert_eq!(
        names.replace("Alex Example and Sam Sample met Jordan Placeholder. Alex's turn."),
        "Child A and Child B met TA 1. Child A's turn."
    );
}

#[test]
fn a_real_name_in_a_file_name_is_an_error() {
    for rel in [
        "evidence/review for Sam Sample.md",
        "evidence/review-for-sam-sample.md",
        "evidence/review_for_SamSample.md",
    ] {
        let scan = scan_text("Nothing here.\n", rel, &names());
        assert_eq!(scan.findings.len(), 1, "{rel}");
        assert_eq!(scan.findings[0].code, "real-name");
        assert_eq!(scan.findings[0].line, None);
    }
    let scan = scan_text("Nothing here.\n", "evidence/sample-sizes.md", &names());
    assert!(scan.findings.is_empty());
}

#[test]
fn broken_pseudonyms_files_are_reported_with_their_position() {
    let (names, problems) = Pseudonyms::parse("[pupils]\n\"Alex Example\" = \n");
    assert!(names.is_empty());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].code, "pseudonyms-file");
    assert_eq!(problems[0].line, Some(2));

    let (_, problems) =
        Pseudonyms::parse("[pupil]\n\"A B\" = \"Child A\"\n[teachers]\n\"C D\" = \"TA 1\"\n");
    assert_eq!(
        problems.len(),
        1,
        "`teachers` is not a table the file accepts"
    );
    // The message lists the tables the file accepts, and never quotes a key of it:
    // keys are real names.
    let message = &problems[0].message;
    assert!(message.contains("`pupils`"), "{message}");
    assert!(!message.contains("teachers"), "{message}");

    let (names, problems) =
        Pseudonyms::parse("[pupils]\n\"Alex\" = \"Alex B\"\n\"Sam Sample\" = \"\"\n");
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(names.is_empty());
    assert_eq!(problems[0].line, Some(2));
}

#[test]
fn reserved_example_domains_and_role_mailboxes_are_not_pupil_data() {
    for text in [
        "Write to someone@example.com, or to a.n.other@mail.example.org.",
        "The form goes to “j.bloggs@school.example” and t.ester@fictional.test.",
        "Ask support@fictional-software.io, or write to Office@fictional-primary.sch.uk.",
        "Enquiries: enquiries+send@fictional-trust.org.uk or noreply@fictional-trust.org.uk.",
        "Bounces go to postmaster@fictional-trust.org.uk and abuse@fictional-trust.org.uk.",
    ] {
        assert!(codes(text).is_empty(), "{text}: {:?}", findings(text));
    }
    // A person's address at the same organisation still is.
    assert_eq!(
        findings("Zoë’s key worker is z.okafor@fictional-primary.sch.uk."),
        one("email", "z.okafor@fictional-primary.sch.uk")
    );
    assert_eq!(
        findings("Ask info.desk@example.sch.uk."),
        one("email", "info.desk@example.sch.uk"),
        "only the RFC 2606 names are reserved, not any domain starting `example`"
    );
}

#[test]
fn an_isbn_is_never_a_phone_number() {
    for text in [
        "Read “Supporting Transition” (978-0123456786) before half term.",
        "Read “Supporting Transition” (9780123456786).",
        "Also “Quiet Corners” 978 1861978769, on the reading list.",
    ] {
        assert!(codes(text).is_empty(), "{text}: {:?}", findings(text));
    }
    // The same digits with a check digit that fails are no ISBN: the phone number in
    // them is still found.
    assert_eq!(
        codes("Read (978-0123456787)."),
        ["phone-number".to_string()]
    );
    assert_eq!(
        findings("Ring the office on 01234 567860."),
        one("phone-number", "01234 567860")
    );
}

#[test]
fn numbers_machines_write_are_not_identifiers() {
    // Each of these has the shape of an identifier, and the NHS ones a check digit that
    // verifies; none is about a person.
    assert!(is_valid_nhs_number("2147483648") && is_valid_nhs_number("2010241444"));
    for text in [
        "An `int` holds `-2147483648` to `2147483647`.",
        "A range of -2147483648…2147483647 in Java.",
        "The scan: ![[2010241444.png]]",
        "ssh -T git@github.com to test the key",
        "git config user.email 'bot@noreply.github.com'",
        "![key](https://docs.example-cdn.net/guides/ssh-key-created@2x.png)",
        "See <https://archive.example-cdn.net/u/jo.bloggs@fictional.org/page>",
        "|10110100 01000110 01000001 11|",
        "a Quartz clock-alarm BC02XB, the model’s code",
    ] {
        assert!(codes(text).is_empty(), "{text}: {:?}", findings(text));
    }
    // The same numbers and addresses where a person's would be are still found.
    assert_eq!(
        findings("NHS number 9434765919, ref-9434765919."),
        [
            ("nhs-number".to_string(), "9434765919".to_string()),
            ("nhs-number".to_string(), "9434765919".to_string())
        ]
    );
    assert_eq!(
        findings("Mum: jo.bloggs@fictional-mail.co.uk (mailto:jo.bloggs@fictional-mail.co.uk)"),
        [
            (
                "email".to_string(),
                "jo.bloggs@fictional-mail.co.uk".to_string()
            ),
            (
                "email".to_string(),
                "jo.bloggs@fictional-mail.co.uk".to_string()
            )
        ]
    );
    assert_eq!(
        findings("Home: BS8 1TH, then LL57 2DG."),
        [
            ("postcode".to_string(), "BS8 1TH".to_string()),
            ("postcode".to_string(), "LL57 2DG".to_string())
        ]
    );
}

// --- Allow markers --------------------------------------------------------------------

#[test]
fn allow_markers_silence_one_check_on_one_line() {
    let text = "Office: SW1A 1AA, r.moss@fictional-primary.sch.uk <!-- senco: allow postcode -->\nHome: M1 1AE\n";
    let scan = scan_text(text, "evidence/x.md", &Pseudonyms::default());
    let codes: Vec<(&str, Option<usize>)> = scan
        .findings
        .iter()
        .map(|d| (d.code.as_str(), d.line))
        .collect();
    assert_eq!(codes, vec![("email", Some(1)), ("postcode", Some(2))]);
    assert_eq!(scan.silenced.len(), 1);
    assert_eq!(
        (scan.silenced[0].code.as_str(), scan.silenced[0].line),
        ("postcode", Some(1))
    );
}

#[test]
fn allow_privacy_silences_every_check_on_its_line() {
    let text = "SW1A 1AA r.moss@fictional-primary.sch.uk Alex <!-- senco: allow-privacy -->\n";
    let scan = scan_text(text, "evidence/x.md", &names());
    assert!(scan.findings.is_empty(), "{:?}", scan.findings);
    assert_eq!(scan.silenced.len(), 3);
}

#[test]
fn several_codes_in_one_marker_and_unknown_codes_warned() {
    let text = "SW1A 1AA r.moss@fictional-primary.sch.uk <!-- senco: allow postcode, email -->\nM1 1AE <!-- senco: allow postcod -->\n";
    let scan = scan_text(text, "evidence/x.md", &Pseudonyms::default());
    let codes: Vec<&str> = scan.findings.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, vec!["postcode", "unknown-allow"]);
    assert!(
        scan.findings[1]
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `postcode`")
    );
    assert_eq!(scan.silenced.len(), 2);
}

#[test]
fn binary_files_are_not_scanned() {
    let mut bytes = b"SW1A 1AA".to_vec();
    bytes.push(0);
    assert_eq!(
        senco::check::privacy::scan_bytes(&bytes, "x.md", &Pseudonyms::default()),
        Default::default()
    );
}

// --- Through `senco check` ------------------------------------------------------------

#[test]
fn check_reports_privacy_findings_and_word_limits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("evidence")).unwrap();
    std::fs::create_dir_all(root.join(".senco")).unwrap();
    std::fs::write(
        root.join("portfolio.toml"),
        "[portfolio]\nframework = \"nasenco-2014\"\n[rules]\nword_limits = { assignment = 5 }\n",
    )
    .unwrap();
    std::fs::write(root.join(".senco/pseudonyms.toml"), PSEUDONYMS).unwrap();
    std::fs::write(
        root.join("evidence/a.md"),
        "---\ntype: assignment\noutcomes: [A1.1]\n---\nAlex Example read one two three four five six.\nSW1A 1AA <!-- senco: allow postcode -->\n",
    )
    .unwrap();
    let check = senco::check(root, &Default::default()).unwrap();
    let codes: Vec<&str> = check.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert!(codes.contains(&"real-name"), "{codes:?}");
    assert!(codes.contains(&"word-limit"), "{codes:?}");
    assert!(!codes.contains(&"postcode"));
    assert_eq!(check.silenced.len(), 1);
    assert!(check.has_errors());
}
