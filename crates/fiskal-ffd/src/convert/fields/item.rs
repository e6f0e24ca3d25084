//! The item level (1059) and the STLVs inside an item (1291, 1223, 1224); see [`super`].

use super::*;

pub(in crate::convert) fn mark_mut(it: &mut Item) -> &mut Mark {
    it.mark.get_or_insert_with(Mark::default)
}

pub(in crate::convert) fn agent_mut(it: &mut Item) -> &mut ItemAgent {
    it.agent.get_or_insert_with(ItemAgent::default)
}

pub(in crate::convert) fn supplier_mut(it: &mut Item) -> &mut Supplier {
    agent_mut(it).supplier.get_or_insert_with(Supplier::default)
}

/// The item level (1059), in the order written.
pub(in crate::convert) static ITEM: &[Field<Item>] = &[
    f::<Item>(
        Tag::PAYMENT_METHOD,
        "payment_method",
        Kind::Byte(
            |i| Some(i.payment_method.0),
            |i, v| i.payment_method = PaymentMethod(v),
        ),
    )
    .required(4),
    f::<Item>(
        Tag::PAYMENT_SUBJECT,
        "payment_subject",
        Kind::Byte(
            |i| Some(i.payment_subject.0),
            |i, v| i.payment_subject = PaymentSubject(v),
        ),
    )
    .required(5),
    f::<Item>(
        Tag::ITEM_NAME,
        "name",
        Kind::Text(|i| i.name.as_deref(), |i, v| i.name = Some(v)),
    ),
    f::<Item>(
        Tag::ITEM_PRICE,
        "price",
        Kind::Money(|i| Some(&i.price), |i, v| i.price = v),
    )
    .required(1),
    f::<Item>(
        Tag::ITEM_QUANTITY,
        "quantity",
        Kind::Custom(en::quantity, de::quantity),
    ),
    f::<Item>(
        Tag::ITEM_MEASURE,
        "measure",
        Kind::Byte(
            |i| i.measure.map(|m| m.0),
            |i, v| i.measure = Some(Measure(v)),
        ),
    ),
    f::<Item>(
        Tag::ITEM_UNIT,
        "unit",
        Kind::Text(|i| i.unit.as_deref(), |i, v| i.unit = Some(v)),
    ),
    f::<Item>(
        Tag::VAT_RATE,
        "vat",
        Kind::Byte(|i| Some(i.vat.0), |i, v| i.vat = VatRate(v)),
    )
    .required(3),
    f::<Item>(
        Tag::ITEM_UNIT_VAT,
        "unit_vat",
        Kind::Money(|i| i.unit_vat.as_ref(), |i, v| i.unit_vat = Some(v)),
    ),
    f::<Item>(
        Tag::ITEM_VAT,
        "vat_sum",
        Kind::Custom(en::item_vat, de::item_vat),
    ),
    f::<Item>(
        Tag::ITEM_SUM,
        "sum",
        Kind::Money(|i| Some(&i.sum), |i, v| i.sum = v),
    )
    .required(2),
    // The mark: 1162 in FFD 1.05, 1163 with 2102 / 2106 in 1.2; any of them is read in either.
    f::<Item>(
        Tag::PRODUCT_CODE,
        "mark.code_1162",
        Kind::Custom(en::mark_1162, de::mark_1162),
    )
    .when(When::WrittenIn(FfdVersion::V105)),
    f::<Item>(
        Tag::PRODUCT_CODE_12,
        "mark",
        Kind::Custom(en::mark_1163, de::mark_1163),
    )
    .when(When::WrittenIn(FfdVersion::V12)),
    f::<Item>(
        Tag::MARK_PROCESSING_MODE,
        "mark.processing_mode",
        Kind::Byte(
            |i| i.mark.as_ref()?.processing_mode,
            |i, v| mark_mut(i).processing_mode = Some(v),
        ),
    )
    .when(When::WrittenIn(FfdVersion::V12)),
    f::<Item>(
        Tag::MARK_CHECK_RESULT,
        "mark.check_result",
        Kind::Byte(
            |i| i.mark.as_ref()?.check_result,
            |i, v| mark_mut(i).check_result = Some(v),
        ),
    )
    .when(When::WrittenIn(FfdVersion::V12)),
    f::<Item>(
        Tag::FRACTIONAL_QUANTITY,
        "fraction",
        Kind::Custom(en::fraction, de::fraction),
    ),
    f::<Item>(
        Tag::ITEM_AGENT_FLAGS,
        "agent.type",
        Kind::Byte(
            |i| i.agent.as_ref()?.agent_type.map(|t| t.0),
            |i, v| agent_mut(i).agent_type = Some(AgentType(v)),
        ),
    ),
    f::<Item>(
        Tag::AGENT_DATA,
        "agent.agent_info",
        Kind::Custom(en::agent_info, de::agent_info),
    ),
    f::<Item>(
        Tag::SUPPLIER_DATA,
        "agent.supplier",
        Kind::Custom(en::supplier, de::supplier),
    ),
    // 1226 stands beside 1224, not inside it; it may come before or after it.
    f::<Item>(
        Tag::SUPPLIER_INN,
        "agent.supplier.inn",
        Kind::Text(
            |i| i.agent.as_ref()?.supplier.as_ref()?.inn.as_deref(),
            |i, v| supplier_mut(i).inn = Some(v),
        ),
    ),
    f::<Item>(
        Tag::EXCISE,
        "excise",
        Kind::Money(|i| i.excise.as_ref(), |i, v| i.excise = Some(v)),
    ),
    f::<Item>(
        Tag::COUNTRY_CODE,
        "country_code",
        Kind::Text(
            |i| i.country_code.as_deref(),
            |i, v| i.country_code = Some(v),
        ),
    ),
    f::<Item>(
        Tag::DECLARATION_NUMBER,
        "declaration_number",
        Kind::Text(
            |i| i.declaration_number.as_deref(),
            |i, v| i.declaration_number = Some(v),
        ),
    ),
    f::<Item>(
        Tag::SECTORAL_ITEM_PROP,
        "sectoral_props",
        Kind::Custom(en::item_sectoral, de::item_sectoral),
    ),
    f::<Item>(
        Tag::ITEM_EXTRA,
        "user_data",
        Kind::Text(|i| i.user_data.as_deref(), |i, v| i.user_data = Some(v)),
    ),
];

/// 1291 «дробное количество предмета расчета».
pub(in crate::convert) static FRACTION: Group<Fraction> = Group {
    name: "1291",
    errors_at_group: false,
    skip_empty: false,
    fields: &[
        f(
            Tag::FRACTION,
            "text",
            Kind::Custom(en::fraction_text, de::fraction_text),
        ),
        f(
            Tag::NUMERATOR,
            "numerator",
            Kind::Vln(|fr| Some(fr.numerator), |fr, v| fr.numerator = v),
        ),
        f(
            Tag::DENOMINATOR,
            "denominator",
            Kind::Vln(|fr| Some(fr.denominator), |fr, v| fr.denominator = v),
        ),
    ],
};

/// 1223 «данные агента».
pub(in crate::convert) static AGENT_INFO: Group<AgentInfo> = Group {
    name: "1223",
    errors_at_group: true,
    skip_empty: true,
    fields: &[
        f(
            Tag::PAYING_AGENT_OPERATION,
            "operation",
            Kind::Text(|a| a.operation.as_deref(), |a, v| a.operation = Some(v)),
        ),
        f(
            Tag::PAYING_AGENT_PHONE,
            "phones",
            Kind::Texts(|a| &a.phones, |a, v| a.phones.push(v)),
        ),
        f(
            Tag::PAYMENT_OPERATOR_PHONE,
            "payment_operator_phones",
            Kind::Texts(
                |a| &a.payment_operator_phones,
                |a, v| a.payment_operator_phones.push(v),
            ),
        ),
        f(
            Tag::TRANSFER_OPERATOR_PHONE,
            "transfer_operator_phones",
            Kind::Texts(
                |a| &a.transfer_operator_phones,
                |a, v| a.transfer_operator_phones.push(v),
            ),
        ),
        f(
            Tag::TRANSFER_OPERATOR_NAME,
            "transfer_operator_name",
            Kind::Text(
                |a| a.transfer_operator_name.as_deref(),
                |a, v| a.transfer_operator_name = Some(v),
            ),
        ),
        f(
            Tag::TRANSFER_OPERATOR_ADDRESS,
            "transfer_operator_address",
            Kind::Text(
                |a| a.transfer_operator_address.as_deref(),
                |a, v| a.transfer_operator_address = Some(v),
            ),
        ),
        f(
            Tag::TRANSFER_OPERATOR_INN,
            "transfer_operator_inn",
            Kind::Text(
                |a| a.transfer_operator_inn.as_deref(),
                |a, v| a.transfer_operator_inn = Some(v),
            ),
        ),
    ],
};

/// 1224 «данные поставщика» (its ИНН 1226 stands beside it, at the item level).
pub(in crate::convert) static SUPPLIER: Group<Supplier> = Group {
    name: "1224",
    errors_at_group: true,
    skip_empty: true,
    fields: &[
        f(
            Tag::SUPPLIER_PHONE,
            "phones",
            Kind::Texts(|s| &s.phones, |s, v| s.phones.push(v)),
        ),
        f(
            Tag::SUPPLIER_NAME,
            "name",
            Kind::Text(|s| s.name.as_deref(), |s, v| s.name = Some(v)),
        ),
    ],
};
