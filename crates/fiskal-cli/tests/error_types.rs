//! Every public error type of the workspace works with `?` in a function returning
//! `Box<dyn std::error::Error + Send + Sync>` (it implements `std::error::Error`, `Send`,
//! `Sync`) and says what is wrong through `Display`. A type added without those impls fails to
//! compile here.

fn boxed<E: std::error::Error + Send + Sync + 'static>(
    e: E,
) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(e)
}

#[test]
fn every_public_error_type_is_a_std_error() {
    fn check<E: std::error::Error + Send + Sync + 'static>() {}
    check::<fiskal_ffd::Error>();
    check::<fiskal_ffd::tlv::TooLong>();
    check::<fiskal_ffd::DecodeError>();
    check::<fiskal_ffd::money::MoneyProblem>();
    check::<fiskal_ffd::money::ParseDecimalError>();
    check::<fiskal_ffd::datetime::ParseDateTimeError>();
    check::<fiskal_ffd::cp866::Unencodable>();
    check::<fiskal_marks::MarkError>();
    check::<fiskal_calc::CalcError>();
    check::<fiskal_providers::ProviderError>();
    check::<fiskal_outbox::OutboxError>();
    check::<fiskal_json::ApiError>();
    check::<fiskal_render::QrError>();
    check::<fiskal_emulator::EmulatorError>();
    check::<fiskal_emulator::DocError>();
}

#[test]
fn the_small_error_types_say_what_is_wrong() {
    let e = boxed(fiskal_ffd::tlv::TooLong {
        tag: fiskal_ffd::Tag(1008),
        len: 70_000,
    });
    assert_eq!(
        e.to_string(),
        "requisite 1008 is 70000 bytes long; a TLV value holds at most 65535"
    );
    let e = boxed(fiskal_ffd::money::MoneyProblem::TooManyDecimals);
    assert_eq!(
        e.to_string(),
        "the amount has more than two decimals (kopecks)"
    );
}
